import type { Logger } from 'pino';
import type { Job, JobQueue } from '../../store/jobs.js';
import { JUDGE_HEALTH_HINT, judgeHealthWarning } from '../../store/judge-health.js';
import type { RewardRepository } from '../../store/rewards.js';
import type { TurnRecord, TurnRepository } from '../../store/turns.js';
import type { JobHandler } from '../jobs/runner.js';
import { nextStateFrom, SESSION_END, turnView } from '../turn-view.js';
import type { Judge } from './judge.js';

export const JUDGE_JOB = 'judge';

interface JudgePayload {
  turnId: string;
  /** The session's next main request (its new messages are the next state); null = session ended. */
  nextTurnId: string | null;
}

/** `sessionEnd`: the judged turn was its session's last (judged against the end of the session). */
export type RewardListener = (
  turnId: string,
  score: number,
  source: 'judge' | 'user',
  sessionEnd: boolean,
) => void;

/**
 * Decides when a main turn can be judged — once its next state is known: the session's next main
 * request, or the end of the session — and queues a durable judge job for it (once per turn).
 */
export class JudgeScheduler {
  constructor(
    private readonly turns: TurnRepository,
    private readonly jobs: JobQueue,
    private readonly wake: () => void,
  ) {}

  /** A main turn arrived: the previous main turn of its session now has a next state. */
  onTurnRecorded(turn: TurnRecord): void {
    if (turn.kind !== 'main') return;
    const prev = this.turns.lastMainTurnId(turn.sessionId, turn.seq);
    if (prev) this.enqueue({ turnId: prev, nextTurnId: turn.id });
  }

  /** The session ended: its last main turn is judged with "session ended" as the next state. */
  onSessionEnded(sessionId: string): void {
    const last = this.turns.lastMainTurnId(sessionId);
    if (last) this.enqueue({ turnId: last, nextTurnId: null });
  }

  private enqueue(p: JudgePayload): void {
    if (this.jobs.enqueue(JUDGE_JOB, p, { dedupeKey: `judge:${p.turnId}` }) !== null) this.wake();
  }
}

/** The durable job that judges one turn and stores its reward (at most once per turn). */
export function judgeJobHandler(deps: {
  judge: Judge;
  turns: TurnRepository;
  rewards: RewardRepository;
  log: Logger;
  maxConcurrency: number;
  onReward: RewardListener;
}): JobHandler {
  return {
    kind: JUDGE_JOB,
    concurrency: deps.maxConcurrency,
    maxAttempts: 12,
    async run(job: Job, signal: AbortSignal) {
      const p = job.payload as JudgePayload;
      const turn = deps.turns.get(p.turnId);
      if (!turn) return; // deleted: nothing to judge
      if (deps.rewards.forTurn(turn.id).some((r) => r.source === 'judge')) return; // judged before a crash
      const next = p.nextTurnId ? deps.turns.get(p.nextTurnId) : undefined;
      const result = await deps.judge.score(
        turnView(turn),
        next ? nextStateFrom(next) : SESSION_END,
        signal,
        turn.model,
      );
      const id = deps.rewards.insert({
        turnId: turn.id,
        source: 'judge',
        score: result.score,
        votes: result.votes,
        rationale: result.rationale,
        voteRationales: result.rationales.length > 0 ? result.rationales : undefined,
      });
      deps.log.debug(
        { turnId: turn.id, score: result.score, votes: result.votes, cached: result.cached },
        'turn judged',
      );
      if (id !== null) deps.onReward(turn.id, result.score, 'judge', p.nextTurnId === null);
      warnAboutJudgeHealth(deps.judge, deps.log);
    },
  };
}

/** Log each judge model that crossed the invalid-vote threshold today: once per day and model. */
function warnAboutJudgeHealth(judge: Judge, log: Logger): void {
  try {
    for (const a of judge.takeHealthAlerts())
      log.warn(
        { judgeModel: a.model, day: a.day, votes: a.votes, invalid: a.invalid, lastInvalid: a.lastInvalid },
        `${judgeHealthWarning(a)}; ${JUDGE_HEALTH_HINT}`,
      );
  } catch (err) {
    log.error({ err }, 'judge health check failed');
  }
}
