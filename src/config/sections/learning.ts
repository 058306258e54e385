import { z } from 'zod';

/** An LLM endpoint used by learning components; every field falls back (see resolveLlmEndpoint). */
const endpointFields = {
  provider: z.enum(['openai', 'anthropic']).optional(),
  base_url: z.url().optional(),
  api_key: z.string().min(1).optional(),
  api_key_env: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
};

/** The process reward model that scores main turns. Defaults to the upstream's endpoint and model. */
export const judgeSection = z
  .object({
    enabled: z.boolean().default(true),
    ...endpointFields,
    votes: z.number().int().min(1).max(15).default(3),
    temperature: z.number().min(0).max(2).default(0.6),
    timeout_ms: z.number().int().positive().default(60_000),
    max_concurrency: z.number().int().min(1).max(64).default(4),
    /** Judge calls per local day (each vote is a call); 0 = unlimited. */
    daily_call_budget: z.number().int().min(0).default(2000),
    max_tokens: z.number().int().positive().default(512),
  })
  .strict();

/** The evolver that turns failed turns into skill edits. Defaults to the judge's endpoint and model. */
export const evolutionSection = z
  .object({
    enabled: z.boolean().default(true),
    ...endpointFields,
    min_failures: z.number().int().min(1).default(3),
    /** Replay support turns with the candidate library before accepting it (needs a judge). */
    verify: z.boolean().default(true),
    max_ops: z.number().int().min(1).max(20).default(4),
    timeout_ms: z.number().int().positive().default(120_000),
    /** Quiet time after the last trigger before an evolution starts, so bursts become one. */
    debounce_ms: z.number().int().min(0).default(2000),
    /** Similarity (0–1) above which an added skill becomes an update of the existing one. */
    duplicate_threshold: z.number().min(0).max(1).default(0.6),
    /** `manual`: a verified change set waits for approval (dashboard, `metaclaw evolutions approve`). */
    approval: z.enum(['auto', 'manual']).default('auto'),
  })
  .strict();
