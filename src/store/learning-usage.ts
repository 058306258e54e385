import type { Db } from './db.js';

/** What a learning LLM call was for; the dashboard's cost panel shows one figure per purpose. */
export type LearningPurpose = 'judge' | 'evolver' | 'verification' | 'opd';

export interface TokenUsage {
  input: number;
  output: number;
}

/** UTC YYYY-MM-DD (the dashboard buckets by UTC day, like dash_learning). */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Token usage of learning calls per UTC day, purpose and model (table `learning_usage`, migration
 * 008). Counts only: prompts are never stored here.
 */
export class LearningUsageRepository {
  constructor(private readonly db: Db) {}

  record(purpose: LearningPurpose, model: string, u: TokenUsage, now = Date.now()): void {
    const clean = (n: number) => (Number.isFinite(n) && n > 0 ? Math.round(n) : 0);
    this.db
      .prepare(
        `INSERT INTO learning_usage (day, purpose, model, calls, input_tokens, output_tokens) VALUES (?, ?, ?, 1, ?, ?)
         ON CONFLICT (day, purpose, model) DO UPDATE SET calls = calls + 1,
           input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens`,
      )
      .run(utcDay(now), purpose, model, clean(u.input), clean(u.output));
  }

  /**
   * A recorder for one purpose that never throws: usage accounting must not fail a judgement
   * (a full disk shows in the store-write alert, not as a lost verdict).
   */
  recorder(
    purpose: LearningPurpose,
    onError?: (err: unknown) => void,
  ): (model: string, u: TokenUsage) => void {
    return (model, u) => {
      try {
        this.record(purpose, model, u);
      } catch (err) {
        onError?.(err);
      }
    };
  }
}

/** Input/output tokens of a provider's `usage` object (OpenAI or Anthropic names); null when absent. */
export function usageOf(json: unknown): TokenUsage | null {
  const u = (json as { usage?: Record<string, unknown> } | null)?.usage;
  if (!u || typeof u !== 'object') return null;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    input: n(u.input_tokens ?? u.prompt_tokens),
    output: n(u.output_tokens ?? u.completion_tokens),
  };
}
