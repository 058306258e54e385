import type { Db } from './db.js';

/** Learning LLM calls per local day and purpose (`llm_calls`): what daily call budgets count. */
export class LlmCallRepository {
  private readonly usedStmt;
  private readonly addStmt;
  private readonly reserveTx;

  constructor(db: Db) {
    this.usedStmt = db.prepare('SELECT calls FROM llm_calls WHERE day = ? AND purpose = ?');
    this.addStmt = db.prepare(
      'INSERT INTO llm_calls (day, purpose, calls) VALUES (?, ?, ?) ON CONFLICT(day, purpose) DO UPDATE SET calls = calls + excluded.calls',
    );
    // Check and count in one transaction: two judges sharing a budget cannot both take the last call.
    this.reserveTx = db.transaction((day: string, purpose: string, n: number, limit: number) => {
      if (limit > 0 && this.used(day, purpose) + n > limit) return false;
      this.addStmt.run(day, purpose, n);
      return true;
    });
  }

  /** Count `n` calls for the day unless that would go over `limit` (0 = unlimited). */
  tryReserve(day: string, purpose: string, n: number, limit: number): boolean {
    return this.reserveTx(day, purpose, n, limit);
  }

  used(day: string, purpose: string): number {
    return (this.usedStmt.get(day, purpose) as { calls: number } | undefined)?.calls ?? 0;
  }
}
