// JSON transport for the Tinker API: auth header, per-attempt timeout, retries of transient
// failures with the *same* body text (so a retried training call repeats its seq_id byte for byte).
import { errorBodyMessage, TinkerError } from './errors.js';

export interface RetryPolicy {
  /** Extra attempts after the first for 429, 5xx, 408 and connection failures. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface TransportOptions {
  baseUrl: string;
  apiKey: string;
  /** Per HTTP attempt. */
  requestTimeoutMs: number;
  retry: RetryPolicy;
  /** Where the key comes from, for the auth message (e.g. "rl.api_key / rl.api_key_env"). */
  keyHint: string;
  fetch?: typeof fetch;
}

export interface HttpAnswer {
  status: number;
  body: unknown;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Statuses the caller interprets itself (retrieve_future: 404, 408, 410) instead of failing. */
  passStatuses?: readonly number[];
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal));
    const t = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(t);
      reject(aborted(signal!));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function aborted(signal: AbortSignal): TinkerError {
  return new TinkerError('tinker_aborted', 'Tinker call cancelled', { cause: signal.reason });
}

export class Transport {
  readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly opts: TransportOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? fetch;
  }

  async request(
    method: 'GET' | 'POST',
    path: string,
    bodyText: string | undefined,
    ro: RequestOptions = {},
  ): Promise<HttpAnswer> {
    const url = `${this.baseUrl}/api/v1/${path}`;
    const { retry } = this.opts;
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= retry.retries;
      let failure: TinkerError;
      let retryAfterMs: number | undefined;
      try {
        const answer = await this.once(method, url, bodyText, ro.signal);
        const { status } = answer;
        if ((status >= 200 && status < 300) || ro.passStatuses?.includes(status)) return answer;
        const message = errorBodyMessage(answer.body, `HTTP ${status}`);
        if (status === 401 || status === 403)
          throw new TinkerError(
            'tinker_auth',
            `Tinker at ${this.baseUrl} refused the API key (HTTP ${status}: ${message}); ` +
              `check ${this.opts.keyHint}`,
            { status, path },
          );
        const transient = (status === 408 || status === 429 || status >= 500) && answer.shouldRetry !== false;
        failure = statusError(status, `${path}: HTTP ${status}: ${message}`, path, transient);
        if (!transient) throw failure;
        retryAfterMs = answer.retryAfterMs;
      } catch (err) {
        if (err instanceof TinkerError) {
          if (err.code !== 'tinker_unavailable' && err.code !== 'tinker_timeout') throw err;
          failure = err;
        } else throw err;
      }
      if (last) throw failure;
      const backoff = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
      const jittered = backoff * (0.5 + Math.random() / 2);
      await sleep(Math.min(retry.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0)), ro.signal);
    }
  }

  private async once(
    method: string,
    url: string,
    bodyText: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<HttpAnswer & { shouldRetry?: boolean; retryAfterMs?: number }> {
    if (signal?.aborted) throw aborted(signal);
    const timeout = AbortSignal.timeout(this.opts.requestTimeoutMs);
    const path = url.slice(this.baseUrl.length + 8);
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(url, {
        method,
        headers: {
          'X-API-Key': this.opts.apiKey,
          accept: 'application/json',
          ...(bodyText === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: bodyText,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      text = await res.text();
    } catch (err) {
      if (signal?.aborted) throw aborted(signal);
      if (timeout.aborted)
        throw new TinkerError(
          'tinker_timeout',
          `${path}: no answer from ${this.baseUrl} within ${this.opts.requestTimeoutMs} ms`,
          { path, cause: err },
        );
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const refused = cause?.code === 'ECONNREFUSED';
      throw new TinkerError(
        'tinker_unavailable',
        `${path}: cannot reach Tinker at ${this.baseUrl}: ${cause?.message ?? (err as Error).message}`,
        // A refused connection never reached the service; anything else may have.
        { path, cause: err, category: refused ? 'not_sent' : undefined },
      );
    }
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {}
    const retryAfter = Number(res.headers.get('retry-after'));
    return {
      status: res.status,
      body,
      shouldRetry: res.headers.get('x-should-retry') === 'false' ? false : undefined,
      retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    };
  }
}

function statusError(status: number, message: string, path: string, transient: boolean): TinkerError {
  if (transient)
    return new TinkerError(status === 408 ? 'tinker_timeout' : 'tinker_unavailable', message, {
      status,
      path,
    });
  if (status === 404) return new TinkerError('tinker_not_found', message, { status, path });
  if (status === 409) return new TinkerError('tinker_conflict', message, { status, path });
  if (status >= 500) return new TinkerError('tinker_server_error', message, { status, path });
  return new TinkerError('tinker_user_error', message, { status, path });
}
