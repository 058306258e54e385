import type { Db } from './db.js';
import type { LearningTurnRow } from './learning-turns.js';
import { EFFECTIVE_REWARD_SQL } from './rewards.js';

/** A policy-served turn that could become a training sample: its learning state and its tokens. */
export interface SampleCandidateRow extends LearningTurnRow {
  prompt_token_ids: string;
  response_token_ids: string;
  response_logprobs: string;
  policy_version: number | null;
}

/**
 * `samples`: which policy-served turns were trained on (used) or dropped (stale), and the turns
 * that could still be. The rules that pick among them live in learning/rl/samples.ts.
 */
export class SampleRepository {
  constructor(private readonly db: Db) {}

  /** Turns of `generation` with exact tokens and no used/stale sample yet, oldest first. */
  candidates(generation: number): SampleCandidateRow[] {
    return this.db
      .prepare(
        `SELECT t.id, t.kind, t.status, t.library_generation AS libraryGeneration,
                ${EFFECTIVE_REWARD_SQL} AS reward, t.consumed_by_evolution AS consumedByEvolution,
                t.prompt_token_ids, t.response_token_ids, t.response_logprobs, t.policy_version
         FROM turns t
         WHERE t.prompt_token_ids IS NOT NULL AND t.response_token_ids IS NOT NULL AND t.library_generation = ?
           AND NOT EXISTS (SELECT 1 FROM samples s WHERE s.turn_id = t.id AND s.status != 'queued')
         ORDER BY t.started_at, t.seq`,
      )
      .all(generation) as SampleCandidateRow[];
  }

  /**
   * How many candidates are judged, served ok, unconsumed and within `maxLag` of the policy: one
   * COUNT, no token arrays parsed (the scheduler asks on every tick).
   */
  countFresh(generation: number, currentVersion: number, maxLag: number): number {
    return (
      this.db
        .prepare(
          `SELECT COUNT(*) AS n FROM turns t
           WHERE t.kind = 'main' AND t.status = 'ok' AND t.consumed_by_evolution IS NULL
             AND t.prompt_token_ids IS NOT NULL AND t.response_token_ids IS NOT NULL AND t.library_generation = ?
             AND ? - COALESCE(t.policy_version, 0) <= ?
             AND EXISTS (SELECT 1 FROM rewards r WHERE r.turn_id = t.id)
             AND NOT EXISTS (SELECT 1 FROM samples s WHERE s.turn_id = t.id AND s.status != 'queued')`,
        )
        .get(generation, currentVersion, maxLag) as { n: number }
    ).n;
  }

  /** Record turns as used by a step (with reward, advantage and version) or dropped as stale. */
  mark(
    turnIds: readonly string[],
    status: 'used' | 'stale',
    stepId: number | null,
    generation: number,
    info?: Map<string, { reward: number; advantage: number | null; version: number }>,
  ): void {
    const stmt = this.db.prepare(
      `INSERT INTO samples (turn_id, reward, advantage, policy_version, library_generation, status, step_id)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(turn_id) DO UPDATE SET status = excluded.status, step_id = excluded.step_id,
         reward = excluded.reward, advantage = excluded.advantage`,
    );
    this.db.transaction(() => {
      for (const id of turnIds) {
        const i = info?.get(id);
        stmt.run(id, i?.reward ?? null, i?.advantage ?? null, i?.version ?? null, generation, status, stepId);
      }
    })();
  }

  /** Samples per status. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.db.prepare('SELECT status, COUNT(*) AS n FROM samples GROUP BY status').all() as {
      status: string;
      n: number;
    }[])
      out[r.status] = r.n;
    return out;
  }
}
