import { createHash } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { SampleRepository } from '../../store/samples.js';
import { partitionTurns } from '../partition.js';

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

/**
 * The RL queue is the query set of the learning loop (judged main turns of the current library
 * generation, not consumed as support) restricted to turns served by the policy, minus turns
 * already used or dropped. `partitionTurns` decides the membership, so support turns never leak in.
 */
export class SampleQueue {
  private readonly repo: SampleRepository;

  constructor(db: Db) {
    this.repo = new SampleRepository(db);
  }

  /** Up to `limit` eligible samples, oldest first; samples lagging the policy by more than `maxLag` are dropped. */
  take(
    generation: number,
    currentVersion: number,
    maxLag: number,
    limit: number,
  ): { samples: TrainingSample[]; dropped: string[] } {
    const rows = this.repo.candidates(generation);
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
    return this.repo.countFresh(generation, currentVersion, maxLag);
  }

  mark(
    turnIds: string[],
    status: 'used' | 'stale',
    stepId: number | null,
    generation: number,
    info?: Map<string, { reward: number; advantage: number | null; version: number }>,
  ): void {
    this.repo.mark(turnIds, status, stepId, generation, info);
  }

  counts(): Record<string, number> {
    return this.repo.counts();
  }
}
