import type { RewardRepository } from '../../store/rewards.js';
import type { TurnRecord, TurnRepository } from '../../store/turns.js';
import { nextStateFrom, SESSION_END, turnView } from '../turn-view.js';
import type { FailedTrajectory } from './prompt.js';

/** Rebuild what the evolver needs to see about each failed turn: task, answer, what came next, critique. */
export function failedTrajectories(
  turns: TurnRepository,
  rewards: RewardRepository,
  ids: string[],
): FailedTrajectory[] {
  const out: FailedTrajectory[] = [];
  for (const id of ids) {
    const turn = turns.get(id);
    if (!turn) continue;
    const nextId = turns.nextMainTurnId(turn.sessionId, turn.seq);
    const next: TurnRecord | undefined = nextId ? turns.get(nextId) : undefined;
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
