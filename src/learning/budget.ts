import type { Db } from '../store/db.js';

/** Counts LLM calls per local day and purpose, so judge and evolver stay within a daily budget. */
export class CallBudget {
  constructor(
    private readonly db: Db,
    private readonly purpose: string,
    private dailyLimit: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A new daily limit (live config reload); calls already made today still count. */
  setLimit(n: number): void {
    this.dailyLimit = n;
  }

  /** Reserve `n` calls for today; false when that would exceed the limit (0 = unlimited). */
  tryReserve(n: number): boolean {
    const day = localDay(this.now());
    return this.db.transaction(() => {
      const used = this.used(day);
      if (this.dailyLimit > 0 && used + n > this.dailyLimit) return false;
      this.db
        .prepare(
          'INSERT INTO llm_calls (day, purpose, calls) VALUES (?, ?, ?) ON CONFLICT(day, purpose) DO UPDATE SET calls = calls + excluded.calls',
        )
        .run(day, this.purpose, n);
      return true;
    })();
  }

  used(day = localDay(this.now())): number {
    const r = this.db
      .prepare('SELECT calls FROM llm_calls WHERE day = ? AND purpose = ?')
      .get(day, this.purpose) as { calls: number } | undefined;
    return r?.calls ?? 0;
  }

  /** Milliseconds until the budget resets (local midnight). */
  msUntilReset(): number {
    const now = this.now();
    const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
    return midnight.getTime() - now.getTime();
  }
}

export function localDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A counting semaphore: at most `limit` holders at once. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
