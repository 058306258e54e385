import type { Db } from '../store/db.js';
import { EFFECTIVE_REWARD_SQL } from '../store/rewards.js';
import { type LearningTurn, partitionTurns, type TurnSets } from './partition.js';

/** The library generation requests are served under now (0 before any skill change set). */
export function currentGeneration(db: Db): number {
  return (db.prepare('SELECT COALESCE(MAX(number), 0) AS g FROM generations').get() as { g: number }).g;
}

/** Load the learning state of main turns and partition them (support, query, consumed, stale). */
export function loadTurnSets(db: Db, generation = currentGeneration(db)): TurnSets {
  const rows = db
    .prepare(
      `SELECT t.id, t.kind, t.status, t.library_generation AS libraryGeneration,
              ${EFFECTIVE_REWARD_SQL} AS reward, t.consumed_by_evolution AS consumedByEvolution
       FROM turns t WHERE t.kind = 'main' AND t.status = 'ok' ORDER BY t.started_at, t.seq`,
    )
    .all() as LearningTurn[];
  return partitionTurns(rows, generation);
}

/**
 * Just the support set, cheaply: candidates are only turns with a negative reward under this
 * generation (an indexed lookup), and `partitionTurns` still decides membership, so the rules
 * live in one place. Runs after every reward, so it must not scan all turns.
 */
export function loadSupportSet(db: Db, generation: number): string[] {
  const rows = db
    .prepare(
      `SELECT t.id, t.kind, t.status, t.library_generation AS libraryGeneration,
              ${EFFECTIVE_REWARD_SQL} AS reward, t.consumed_by_evolution AS consumedByEvolution
       FROM turns t
       WHERE t.id IN (SELECT turn_id FROM rewards WHERE score < 0)
         AND t.library_generation = ? AND t.consumed_by_evolution IS NULL
       ORDER BY t.started_at, t.seq`,
    )
    .all(generation) as LearningTurn[];
  return partitionTurns(rows, generation).support;
}

/** Mark support turns as consumed by an evolution (inside the caller's transaction). */
export function markConsumed(db: Db, turnIds: string[], evolutionId: number): void {
  const stmt = db.prepare(
    'UPDATE turns SET consumed_by_evolution = ? WHERE id = ? AND consumed_by_evolution IS NULL',
  );
  for (const id of turnIds) stmt.run(evolutionId, id);
}
