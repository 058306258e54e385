/** Stable codes: callers (trainer loop, status, doctor) branch on these, never on messages. */
export type TinkerErrorCode =
  | 'tinker_auth' // missing key, or 401/403
  | 'tinker_user_error' // the service refused the request (4xx, or a future failed with category "user")
  | 'tinker_not_found' // 404: unknown session, model, checkpoint or request id
  | 'tinker_conflict' // 409: e.g. a training seq_id reused with a different body
  | 'tinker_server_error' // a future failed with category "server"/"unknown", or a malformed answer
  | 'tinker_unavailable' // transient failures (connection, 429, 5xx) outlived the retries
  | 'tinker_timeout' // a call or a future took longer than allowed
  | 'tinker_aborted' // the caller's AbortSignal fired
  | 'tinker_session_lost'; // the heartbeat got 404: the service no longer knows the session

export class TinkerError extends Error {
  override readonly name = 'TinkerError';
  constructor(
    readonly code: TinkerErrorCode,
    message: string,
    readonly details: { status?: number; path?: string; category?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
  get status(): number | undefined {
    return this.details.status;
  }
}

/** The message of a FastAPI-style error body (`{detail}` string or list) or the hosted 500 shape. */
export function errorBodyMessage(body: unknown, fallback: string): string {
  if (typeof body === 'string') return body.trim() ? body.slice(0, 500) : fallback;
  if (!body || typeof body !== 'object') return fallback;
  const b = body as { detail?: unknown; message?: unknown; error?: unknown };
  if (typeof b.detail === 'string') return b.detail;
  if (Array.isArray(b.detail)) {
    const parts = b.detail.map((d) => {
      const e = d as { loc?: unknown[]; msg?: unknown };
      const loc = Array.isArray(e.loc) ? e.loc.join('.') : '';
      return loc ? `${loc}: ${String(e.msg)}` : String(e.msg ?? JSON.stringify(d));
    });
    if (parts.length) return parts.join('; ');
  }
  if (typeof b.message === 'string') return b.message;
  if (typeof b.error === 'string') return b.error;
  return fallback;
}
