import type { Db } from '../../store/db.js';
import type { RewardRepository } from '../../store/rewards.js';
import type { TurnRecord, TurnRepository } from '../../store/turns.js';
import { nextStateFrom, SESSION_END, turnView } from '../turn-view.js';
import type { FailedTrajectory } from './prompt.js';

/** Rebuild what the evolver needs to see about each failed turn: task, answer, what came next, critique. */
export function failedTrajectories(
  db: Db,
  turns: TurnRepository,
  rewards: RewardRepository,
  ids: string[],
): FailedTrajectory[] {
  const nextStmt = db.prepare(
    `SELECT id FROM turns WHERE session_id = ? AND kind = 'main' AND seq > ? ORDER BY seq LIMIT 1`,
  );
  const out: FailedTrajectory[] = [];
  for (const id of ids) {
    const turn = turns.get(id);
    if (!turn) continue;
    const nextRow = nextStmt.get(turn.sessionId, turn.seq) as { id: string } | undefined;
    const next: TurnRecord | undefined = nextRow ? turns.get(nextRow.id) : undefined;
    const rs = rewards.forTurn(id);
    const critique = rs
      .filter((r) => r.rationale)
      .map((r) => `${r.source === 'judge' ? 'judge' : 'user'}: ${r.rationale}`)
      .join('\n');
    out.push({
      view: turnView(turn),
      next: next ? nextStateFrom(next) : SESSION_END,
      critique,
      score: rewards.effective(id)?.score ?? -1,
    });
  }
  return out;
}
