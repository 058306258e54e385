import { createHash } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { EFFECTIVE_REWARD_SQL } from '../../store/rewards.js';
import { type LearningTurn, partitionTurns } from '../partition.js';

/** A training sample: the exact tokens the policy saw and produced, and the reward it earned. */
export interface TrainingSample {
  turnId: string;
  promptTokens: number[];
  responseTokens: number[];
  logprobs: number[];
  policyVersion: number;
  reward: number;
  /** Same prompt tokens → same key (for the group estimator). */
  groupKey: string;
}

interface Row extends LearningTurn {
  prompt_token_ids: string;
  response_token_ids: string;
  response_logprobs: string;
  policy_version: number | null;
}

/**
 * The RL queue is the query set of the learning loop (judged main turns of the current library
 * generation, not consumed as support) restricted to turns served by the policy, minus turns
 * already used or dropped. `partitionTurns` decides the membership, so support turns never leak in.
 */
export class SampleQueue {
  constructor(private readonly db: Db) {}

  /** Up to `limit` eligible samples, oldest first; samples lagging the policy by more than `maxLag` are dropped. */
  take(
    generation: number,
    currentVersion: number,
    maxLag: number,
    limit: number,
  ): { samples: TrainingSample[]; dropped: string[] } {
    const rows = this.db
      .prepare(
        `SELECT t.id, t.kind, t.status, t.library_generation AS libraryGeneration,
                ${EFFECTIVE_REWARD_SQL} AS reward, t.consumed_by_evolution AS consumedByEvolution,
                t.prompt_token_ids, t.response_token_ids, t.response_logprobs, t.policy_version
         FROM turns t
         WHERE t.prompt_token_ids IS NOT NULL AND t.response_token_ids IS NOT NULL AND t.library_generation = ?
           AND NOT EXISTS (SELECT 1 FROM samples s WHERE s.turn_id = t.id AND s.status != 'queued')
         ORDER BY t.started_at, t.seq`,
      )
      .all(generation) as Row[];
    const query = new Set(partitionTurns(rows, generation).query);
    const samples: TrainingSample[] = [];
    const dropped: string[] = [];
    for (const r of rows) {
      if (!query.has(r.id)) continue;
      if (currentVersion - (r.policy_version ?? 0) > maxLag) {
        dropped.push(r.id);
        continue;
      }
      if (samples.length >= limit) continue;
      const promptTokens = JSON.parse(r.prompt_token_ids) as number[];
      samples.push({
        turnId: r.id,
        promptTokens,
        responseTokens: JSON.parse(r.response_token_ids) as number[],
        logprobs: JSON.parse(r.response_logprobs) as number[],
        policyVersion: r.policy_version ?? 0,
        reward: r.reward!,
        groupKey: createHash('sha1').update(r.prompt_token_ids).digest('base64url'),
      });
    }
    if (dropped.length > 0) this.mark(dropped, 'stale', null, generation);
    return { samples, dropped };
  }

  /**
   * How many fresh samples are waiting: one COUNT, no token arrays parsed and nothing written, so the
   * scheduler can ask on every tick. It counts what `take` would return (the query-set rules of
   * `partitionTurns`, within `maxLag` of the policy); a test keeps the two in step.
   */
  pending(generation: number, currentVersion: number, maxLag: number): number {
    const r = this.db
      .prepare(
        `SELECT COUNT(*) AS n FROM turns t
         WHERE t.kind = 'main' AND t.status = 'ok' AND t.consumed_by_evolution IS NULL
           AND t.prompt_token_ids IS NOT NULL AND t.response_token_ids IS NOT NULL AND t.library_generation = ?
           AND ? - COALESCE(t.policy_version, 0) <= ?
           AND EXISTS (SELECT 1 FROM rewards r WHERE r.turn_id = t.id)
           AND NOT EXISTS (SELECT 1 FROM samples s WHERE s.turn_id = t.id AND s.status != 'queued')`,
      )
      .get(generation, currentVersion, maxLag) as { n: number };
    return r.n;
  }

  mark(
    turnIds: string[],
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

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.db.prepare('SELECT status, COUNT(*) AS n FROM samples GROUP BY status').all() as {
      status: string;
      n: number;
    }[]) {
      out[r.status] = r.n;
    }
    return out;
  }
}
