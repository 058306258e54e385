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
    /** A client must finish sending its request headers within this time (slowloris defence). */
    headers_timeout_ms: z.number().int().positive().default(30_000),
    /** ... and its whole request, body included; the response (a long stream) is not limited. */
    request_timeout_ms: z.number().int().positive().default(300_000),
    /** An idle keep-alive connection is closed after this time. */
    keep_alive_timeout_ms: z.number().int().positive().default(65_000),
    /** Open client connections at most; more are refused (keeps file descriptors for the service). */
    max_connections: z.number().int().positive().default(256),
  })
  .strict()
  .refine((p) => p.headers_timeout_ms <= p.request_timeout_ms, {
    path: ['headers_timeout_ms'],
    message: 'must not exceed proxy.request_timeout_ms',
  });

export const upstreamSection = z
  .object({
    /** `openai` = any OpenAI-compatible API; `anthropic` = the Anthropic Messages API. */
    provider: z.enum(['openai', 'anthropic']).optional(),
    base_url: z.url().optional(),
    api_key: z.string().min(1).optional(),
    api_key_env: z.string().min(1).optional(),
    /** When set, replaces the model named by the client (every request; prefer model_map). */
    model: z.string().min(1).optional(),
    /** Client model (exact, or a glob with `*`) → upstream model; unmatched models pass through. */
    model_map: z.record(z.string().min(1), z.string().min(1)).default({}),
    timeout_ms: z.number().int().positive().default(600_000),
    connect_timeout_ms: z.number().int().positive().default(10_000),
    max_retries: z.number().int().min(0).max(10).default(2),
    /** Cap on a single Retry-After wait; longer waits are returned to the client instead. */
    max_retry_wait_ms: z.number().int().nonnegative().default(20_000),
    /** Cap on one upstream response body (streams too): larger answers fail with a clear error. */
    max_response_bytes: z
      .number()
      .int()
      .positive()
      .default(32 * 1024 * 1024),
    anthropic_version: z.string().default('2023-06-01'),
    /** /v1/responses: pass through (`native`), translate to Chat Completions, or `auto` (native on api.openai.com). */
    responses_api: z.enum(['auto', 'native', 'translate']).default('auto'),
  })
  .strict();

export const storeSection = z
  .object({
    /** SQLite file; relative paths are resolved against the MetaClaw home. */
    path: z.string().min(1).default('metaclaw.db'),
    /**
     * A turn that cannot be stored (disk full): `fail` answers 503 / ends the stream with an error
     * event, so a response the client saw complete is never lost; `continue` serves it unrecorded.
     */
    on_write_error: z.enum(['fail', 'continue']).default('fail'),
    /**
     * Sessions idle longer than this many days lose their turns' bodies (request, as sent,
     * response) unless learning still needs them (store/retention.ts lists what is kept); the
     * rows, usage and rewards stay. 0 keeps everything. Runs at start and daily.
     */
    retention_days: z.number().int().min(0).default(0),
    /** The newest sessions retention never touches, whatever their age. */
    retention_keep_sessions: z.number().int().min(0).default(50),
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
    /** `auto`: readable lines on a terminal, JSON otherwise; `pretty` / `json` force one. */
    format: z.enum(['auto', 'pretty', 'json']).default('auto'),
    /** The service's log file is copied to FILE.1 and emptied when it grows past this. */
    max_bytes: z.number().int().min(65536).default(10_485_760),
  })
  .strict();
