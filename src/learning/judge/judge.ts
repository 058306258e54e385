import { createHash } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { type CallBudget, Semaphore } from '../budget.js';
import { RetryLater } from '../jobs/runner.js';
import { LlmCallError, type LlmClient } from '../llm-client.js';
import type { NextState, TurnView } from '../turn-view.js';
import { majorityVote, parseJudgeReply, type Vote } from './parse.js';
import { JUDGE_SYSTEM, judgeUserPrompt } from './prompt.js';

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
  cached: boolean;
}

/**
 * The process reward model: asks the judge `votes` times in parallel and takes the majority.
 * Identical questions are answered from a cache keyed by a content hash, so a restart or a retry
 * never pays twice; a daily call budget bounds the cost.
 */
export class Judge {
  private readonly semaphore: Semaphore;

  constructor(
    private readonly client: LlmClient,
    private readonly db: Db,
    private readonly budget: CallBudget,
    private readonly opts: JudgeOptions,
  ) {
    this.semaphore = new Semaphore(opts.maxConcurrency);
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
    const cached = this.db
      .prepare('SELECT score, votes, rationale FROM judge_cache WHERE hash = ?')
      .get(hash) as { score: number; votes: string; rationale: string } | undefined;
    if (cached)
      return {
        score: cached.score as Vote,
        votes: JSON.parse(cached.votes),
        rationale: cached.rationale,
        cached: true,
      };

    if (!this.budget.tryReserve(this.opts.votes)) {
      throw new RetryLater(
        `judge daily call budget is used up; judging resumes after midnight`,
        this.budget.msUntilReset() + 1000,
      );
    }
    const errors: string[] = [];
    const replies = await Promise.all(
      Array.from({ length: this.opts.votes }, () =>
        this.semaphore
          .run(() => this.askWithRetry(user, model, signal))
          .catch((err: Error) => {
            errors.push(err.message);
            return null;
          }),
      ),
    );
    if (replies.every((r) => r === null)) throw new Error(`judge unavailable: ${errors[0]}`);
    const parsed = replies.map((r) => (r === null ? { score: null, rationale: '' } : parseJudgeReply(r)));
    const votes = parsed.map((p) => p.score);
    const score = majorityVote(votes);
    const rationale = parsed.find((p) => p.score === score)?.rationale ?? parsed[0]!.rationale;
    this.db
      .prepare(
        'INSERT OR REPLACE INTO judge_cache (hash, score, votes, rationale, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(hash, score, JSON.stringify(votes), rationale, Date.now());
    return { score, votes, rationale, cached: false };
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
