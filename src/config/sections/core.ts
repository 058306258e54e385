import { z } from 'zod';

/** Proxy listener. Binding anything but loopback requires `api_key` (checked in validateConfig). */
export const proxySection = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(30000),
    api_key: z.string().min(1).optional(),
    body_limit_bytes: z
      .number()
      .int()
      .positive()
      .default(32 * 1024 * 1024),
    shutdown_grace_ms: z.number().int().nonnegative().default(10_000),
  })
  .strict();

export const upstreamSection = z
  .object({
    /** `openai` = any OpenAI-compatible API; `anthropic` = the Anthropic Messages API. */
    provider: z.enum(['openai', 'anthropic']).optional(),
    base_url: z.url().optional(),
    api_key: z.string().min(1).optional(),
    api_key_env: z.string().min(1).optional(),
    /** When set, replaces the model named by the client. */
    model: z.string().min(1).optional(),
    timeout_ms: z.number().int().positive().default(600_000),
    connect_timeout_ms: z.number().int().positive().default(10_000),
    max_retries: z.number().int().min(0).max(10).default(2),
    /** Cap on a single Retry-After wait; longer waits are returned to the client instead. */
    max_retry_wait_ms: z.number().int().nonnegative().default(20_000),
    anthropic_version: z.string().default('2023-06-01'),
    /** /v1/responses: pass through (`native`), translate to Chat Completions, or `auto` (native on api.openai.com). */
    responses_api: z.enum(['auto', 'native', 'translate']).default('auto'),
  })
  .strict();

export const storeSection = z
  .object({
    /** SQLite file; relative paths are resolved against the MetaClaw home. */
    path: z.string().min(1).default('metaclaw.db'),
  })
  .strict();

export const sessionsSection = z
  .object({
    idle_timeout_s: z.number().int().positive().default(1800),
  })
  .strict();

export const loggingSection = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Log file for the background service (relative to home); foreground logs go to stdout. */
    file: z.string().default('logs/metaclaw.log'),
  })
  .strict();
