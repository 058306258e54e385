import { createHash } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { JudgeCacheRepository } from '../../store/judge-cache.js';
import { JudgeHealthRepository, type JudgeHealthRow } from '../../store/judge-health.js';
import { type CallBudget, localDay, Semaphore } from '../call-budget.js';
import { RetryLater } from '../jobs/runner.js';
import { LlmCallError, type LlmClient } from '../llm-client.js';
import type { NextState, TurnView } from '../turn-view.js';
import { majorityVote, type ParsedVote, parseJudgeReply, type Vote } from './parse.js';
import { JUDGE_SYSTEM, judgeRetryPrompt, judgeUserPrompt } from './prompt.js';

export interface JudgeOptions {
  votes: number;
  temperature: number;
  maxTokens: number;
  maxConcurrency: number;
  /** The judge model; undefined = the model that served the turn. */
  model?: string;
}

export interface JudgeResult {
  score: Vote;
  votes: (Vote | null)[];
  rationale: string;
  /** Each vote's own rationale, in vote order ('' for a vote that got no reply). */
  rationales: string[];
  cached: boolean;
}

/** One vote that got a reply: its parse, whether it needed the format reminder, the last reply. */
interface VoteOutcome {
  parsed: ParsedVote;
  retried: boolean;
  reply: string;
}

/**
 * The process reward model: asks the judge `votes` times in parallel and takes the majority.
 * Identical questions are answered from a cache keyed by a content hash, so a restart or a retry
 * never pays twice; a daily call budget bounds the cost. A reply without a `Score:` line is asked
 * again once with a format reminder (a call like any other); a second miss is an invalid vote,
 * counted per day and judge model in `judge_health`.
 */
export class Judge {
  private readonly semaphore: Semaphore;
  /** Votes and invalid votes per day and judge model (see `takeHealthAlerts`). */
  readonly health: JudgeHealthRepository;
  private readonly cache: JudgeCacheRepository;

  constructor(
    private readonly client: LlmClient,
    db: Db,
    private readonly budget: CallBudget,
    private readonly opts: JudgeOptions,
  ) {
    this.semaphore = new Semaphore(opts.maxConcurrency);
    this.health = new JudgeHealthRepository(db);
    this.cache = new JudgeCacheRepository(db);
  }

  /**
   * New vote settings from a config reload, used from the next judgement on (they are read per
   * call). The endpoint, model and concurrency need a restart.
   */
  retune(o: { votes: number; temperature: number; maxTokens: number; dailyCallBudget: number }): void {
    this.opts.votes = o.votes;
    this.opts.temperature = o.temperature;
    this.opts.maxTokens = o.maxTokens;
    this.budget.setLimit(o.dailyCallBudget);
  }

  /** Judge models that crossed the invalid-vote threshold today and were not reported yet (once per day). */
  takeHealthAlerts(now = new Date()): JudgeHealthRow[] {
    return this.health.claimAlerts(localDay(now), now.getTime());
  }

  get name(): string {
    return this.client.name;
  }

  async score(
    view: TurnView,
    next: NextState | null,
    signal: AbortSignal,
    turnModel?: string | null,
  ): Promise<JudgeResult> {
    const model = this.opts.model ?? turnModel ?? undefined;
    const user = judgeUserPrompt(view, next);
    const hash = createHash('sha256')
      .update(JSON.stringify([JUDGE_SYSTEM, user, model ?? '', this.opts.votes, this.opts.temperature]))
      .digest('hex');
    const cached = this.cache.get(hash);
    if (cached)
      return {
        score: cached.score as Vote,
        votes: cached.votes as (Vote | null)[],
        rationale: cached.rationale,
        rationales: cached.rationales,
        cached: true,
      };

    if (!this.budget.tryReserve(this.opts.votes)) {
      throw new RetryLater(
        `judge daily call budget is used up; judging resumes after midnight`,
        this.budget.msUntilReset() + 1000,
      );
    }
    const errors: string[] = [];
    const outcomes = await Promise.all(
      Array.from({ length: this.opts.votes }, () =>
        this.vote(user, model, signal).catch((err: Error) => {
          errors.push(err.message);
          return null;
        }),
      ),
    );
    if (outcomes.every((o) => o === null)) throw new Error(`judge unavailable: ${errors[0]}`);
    const answered = outcomes.filter((o): o is VoteOutcome => o !== null);
    const invalid = answered.filter((o) => o.parsed.score === null);
    this.health.record(localDay(new Date()), model ?? '(endpoint default)', {
      votes: answered.length,
      invalid: invalid.length,
      retried: answered.filter((o) => o.retried).length,
      lastInvalid: invalid.at(-1)?.reply ?? null,
    });
    const parsed = outcomes.map((o) => (o === null ? { score: null, rationale: '' } : o.parsed));
    const votes = parsed.map((p) => p.score);
    const score = majorityVote(votes);
    const rationale = parsed.find((p) => p.score === score)?.rationale ?? parsed[0]!.rationale;
    const rationales = parsed.map((p) => p.rationale);
    this.cache.put(hash, { score, votes, rationale, rationales });
    return { score, votes, rationale, rationales, cached: false };
  }

  /**
   * One vote. A reply with no parsable `Score:` line is asked again once, with the reply quoted and
   * a format reminder, if the daily budget allows that call; still unparsable = an invalid vote.
   */
  private async vote(user: string, model: string | undefined, signal: AbortSignal): Promise<VoteOutcome> {
    const first = await this.semaphore.run(() => this.askWithRetry(user, model, signal));
    const parsed = parseJudgeReply(first);
    if (parsed.score !== null) return { parsed, retried: false, reply: first };
    if (signal.aborted || !this.budget.tryReserve(1)) return { parsed, retried: false, reply: first };
    let second: string;
    try {
      second = await this.semaphore.run(() =>
        this.askWithRetry(judgeRetryPrompt(user, first), model, signal),
      );
    } catch (err) {
      if (signal.aborted) throw err;
      return { parsed, retried: true, reply: first }; // the reminder went unanswered: still invalid
    }
    return { parsed: parseJudgeReply(second), retried: true, reply: second };
  }

  private async askWithRetry(user: string, model: string | undefined, signal: AbortSignal): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.client.complete(
          {
            system: JUDGE_SYSTEM,
            user,
            temperature: this.opts.temperature,
            maxTokens: this.opts.maxTokens,
            model,
          },
          signal,
        );
      } catch (err) {
        if (!(err instanceof LlmCallError) || !err.retryable || attempt >= 2 || signal.aborted) throw err;
        await new Promise((r) => setTimeout(r, 300 * 2 ** attempt));
      }
    }
  }
}
