import type { Db } from './db.js';
import { EFFECTIVE_REWARD_SQL } from './rewards.js';

/** A main turn's learning state: which generation served it, its effective reward, its use. */
export interface LearningTurnRow {
  id: string;
  kind: 'main' | 'side';
  status: 'ok' | 'error' | 'aborted';
  libraryGeneration: number;
  /** Effective reward (explicit feedback over the judge); null = not judged yet. */
  reward: number | null;
  /** The evolution that consumed this turn as support, if any. */
  consumedByEvolution: number | null;
}

const LEARNING_COLUMNS = `t.id, t.kind, t.status, t.library_generation AS libraryGeneration,
  ${EFFECTIVE_REWARD_SQL} AS reward, t.consumed_by_evolution AS consumedByEvolution`;

/**
 * The turns learning works from (issue 16: the link from a reward to what evolution consumes is
 * here, in named queries). The rules that partition them live in learning/partition.ts.
 */
export class LearningTurnRepository {
  constructor(private readonly db: Db) {}

  /** The library generation requests are served under now (0 before any skill change set). */
  currentGeneration(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(number), 0) AS g FROM generations').get() as { g: number })
      .g;
  }

  /** Every served main turn, oldest first. */
  servedMainTurns(): LearningTurnRow[] {
    return this.db
      .prepare(
        `SELECT ${LEARNING_COLUMNS} FROM turns t WHERE t.kind = 'main' AND t.status = 'ok'
         ORDER BY t.started_at, t.seq`,
      )
      .all() as LearningTurnRow[];
  }

  /** Unconsumed turns of `generation` with some negative reward (an indexed lookup, no scan). */
  failureCandidates(generation: number): LearningTurnRow[] {
    return this.db
      .prepare(
        `SELECT ${LEARNING_COLUMNS} FROM turns t
         WHERE t.id IN (SELECT turn_id FROM rewards WHERE score < 0)
           AND t.library_generation = ? AND t.consumed_by_evolution IS NULL
         ORDER BY t.started_at, t.seq`,
      )
      .all(generation) as LearningTurnRow[];
  }

  /** Mark support turns as consumed by an evolution (inside the caller's transaction). */
  markConsumed(turnIds: readonly string[], evolutionId: number): void {
    const stmt = this.db.prepare(
      'UPDATE turns SET consumed_by_evolution = ? WHERE id = ? AND consumed_by_evolution IS NULL',
    );
    for (const id of turnIds) stmt.run(evolutionId, id);
  }
}
