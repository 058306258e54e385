import type { Db } from '../store/db.js';
import { LearningTurnRepository } from '../store/learning-turns.js';
import { partitionTurns, type TurnSets } from './partition.js';

/** The library generation requests are served under now (0 before any skill change set). */
export function currentGeneration(db: Db): number {
  return new LearningTurnRepository(db).currentGeneration();
}

/** Load the learning state of main turns and partition them (support, query, consumed, stale). */
export function loadTurnSets(db: Db, generation = currentGeneration(db)): TurnSets {
  return partitionTurns(new LearningTurnRepository(db).servedMainTurns(), generation);
}

/**
 * Just the support set, cheaply: candidates are only turns with a negative reward under this
 * generation, and `partitionTurns` still decides membership, so the rules live in one place.
 * Runs after every reward, so it must not scan all turns.
 */
export function loadSupportSet(db: Db, generation: number): string[] {
  const rows = new LearningTurnRepository(db).failureCandidates(generation);
  return partitionTurns(rows, generation).support;
}

/** Mark support turns as consumed by an evolution (inside the caller's transaction). */
export function markConsumed(db: Db, turnIds: string[], evolutionId: number): void {
  new LearningTurnRepository(db).markConsumed(turnIds, evolutionId);
}
