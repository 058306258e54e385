import type { LearningTurnRow } from '../store/learning-turns.js';

/** What the learning loop needs to know about one turn to place it (read by the store). */
export type LearningTurn = LearningTurnRow;

export interface TurnSets {
  /** Failed main turns under the current generation that no evolution has consumed: evolution input. */
  support: string[];
  /** Judged main turns under the current generation, not consumed as support: policy-training input. */
  query: string[];
  /** Turns an evolution consumed: never used for training. */
  consumed: string[];
  /** Judged, unconsumed turns from older generations: stale for training (their context changed). */
  stale: string[];
  /** Main turns still waiting for a judgement. */
  unjudged: string[];
}

/**
 * Support/query separation, in one place. A failed turn of the current generation sits in both
 * `support` and `query` until an evolution consumes it; from then on it is only `consumed`.
 * Side turns, errors and aborted turns never enter any set.
 */
export function partitionTurns(turns: Iterable<LearningTurn>, currentGeneration: number): TurnSets {
  const sets: TurnSets = { support: [], query: [], consumed: [], stale: [], unjudged: [] };
  for (const t of turns) {
    if (t.kind !== 'main' || t.status !== 'ok') continue;
    if (t.consumedByEvolution !== null) {
      sets.consumed.push(t.id);
      continue;
    }
    if (t.reward === null) {
      sets.unjudged.push(t.id);
      continue;
    }
    if (t.libraryGeneration !== currentGeneration) {
      sets.stale.push(t.id);
      continue;
    }
    sets.query.push(t.id);
    if (t.reward < 0) sets.support.push(t.id);
  }
  return sets;
}
