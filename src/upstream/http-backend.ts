import { pipeline, Transform } from 'node:stream';
import { ConfigError } from '../config/errors.js';
import { type ResolvedUpstream, redactUrl, splitUrlCredentials } from '../config/upstream.js';
import type { WireProtocol } from '../protocol/types.js';
import type { CancelSignal } from './cancel.js';
import { backoffMs, isRetryableStatus, parseRetryAfter, sleep } from './retry.js';
import { type ServingBackend, type UpstreamCall, UpstreamError, type UpstreamResponse } from './types.js';
import { Agent, type Dispatcher, errors as undiciErrors } from './undici-core.js';

export type ResponsesApiMode = 'auto' | 'native' | 'translate';

/**
 * Whether an upstream serves POST {base}/responses itself. `auto` trusts only OpenAI's own API:
 * most OpenAI-compatible servers speak Chat Completions alone, or a partial Responses API.
 */
export function servesResponsesApi(u: ResolvedUpstream, mode: ResponsesApiMode = 'auto'): boolean {
  if (u.provider !== 'openai' || mode === 'translate') return false;
  if (mode === 'native') return true;
  try {
    return new URL(u.baseUrl).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

export interface HttpBackendOptions {
  upstream: ResolvedUpstream;
  timeoutMs: number;
  connectTimeoutMs: number;
  maxRetries: number;
  maxRetryWaitMs: number;
  anthropicVersion: string;
  /** `upstream.responses_api`: whether /v1/responses passes through (default auto). */
  responsesApi?: ResponsesApiMode;
  /** Injected for tests of retry timing. */
  sleepFn?: typeof sleep;
  /** `upstream.max_response_bytes`: a larger body (or stream) fails instead of filling memory. */
  maxResponseBytes?: number;
}

/**
 * An OpenAI-compatible or Anthropic HTTP API. One keep-alive connection pool per backend;
 * retries (connection errors, 408/409/429/5xx, honouring Retry-After) happen here, before
 * the proxy has written anything to its client.
 */
export class HttpBackend implements ServingBackend {
  readonly protocol: WireProtocol;
  readonly name: string;
  readonly model?: string;
  readonly servesResponses: boolean;
  private readonly agent: Agent;
  private readonly endpoint: URL;
  private readonly origin: string;
  private readonly responsesPath: string;
  private readonly sleepFn: typeof sleep;
  /** Credentials from the base URL: userinfo as Basic auth, the query sent on every request. */
  private readonly basicAuth?: string;
  private readonly baseQuery: string;
  private readonly baseUrl: string;

  constructor(private readonly opts: HttpBackendOptions) {
    const u = opts.upstream;
    this.protocol = u.provider === 'anthropic' ? 'anthropic-messages' : 'openai-chat';
    // Never show what the URL carries: the name reaches /healthz, logs and 502 bodies.
    this.name = `${u.provider} upstream at ${redactUrl(u.baseUrl)}`;
    this.model = u.model;
    const split = splitUrlCredentials(u.baseUrl);
    this.baseUrl = split.baseUrl;
    this.basicAuth = split.basicAuth;
    this.baseQuery = split.query;
    if (this.basicAuth && u.apiKey && this.protocol === 'openai-chat')
      throw new ConfigError(
        'upstream.base_url carries a user:password and an API key is set too: both would go in the Authorization header; keep only one',
        'upstream.base_url',
      );
    this.endpoint = new URL(
      u.provider === 'anthropic' ? `${this.baseUrl}/v1/messages` : `${this.baseUrl}/chat/completions`,
    );
    this.servesResponses = servesResponsesApi(u, opts.responsesApi);
    // Parsed once: the request path only concatenates strings.
    this.origin = this.endpoint.origin;
    this.responsesPath = new URL(`${this.baseUrl}/responses`).pathname;
    this.sleepFn = opts.sleepFn ?? sleep;
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: 256,
      pipelining: 1,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: { timeout: opts.connectTimeoutMs },
    });
  }

  async send(call: UpstreamCall): Promise<UpstreamResponse> {
    const base = call.protocol === 'openai-responses' ? this.responsesPath : this.endpoint.pathname;
    return this.requestWithRetries(
      'POST',
      this.withQuery(base, call.query),
      call.payload,
      call.forwardHeaders,
      call.signal,
    );
  }

  async listModels(signal: AbortSignal): Promise<UpstreamResponse> {
    const base = this.baseUrl;
    const url = this.protocol === 'anthropic-messages' ? `${base}/v1/models` : `${base}/models`;
    return this.requestWithRetries('GET', this.withQuery(new URL(url).pathname), undefined, {}, signal);
  }

  /** The base URL's query (e.g. `?key=…`) first, then the client's own (`?beta=true`). */
  private withQuery(path: string, clientQuery?: string): string {
    if (!this.baseQuery) return clientQuery ? `${path}${clientQuery}` : path;
    return clientQuery ? `${path}${this.baseQuery}&${clientQuery.slice(1)}` : `${path}${this.baseQuery}`;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    const key = this.opts.upstream.apiKey;
    const h: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (this.protocol === 'anthropic-messages') {
      h['anthropic-version'] = extra['anthropic-version'] ?? this.opts.anthropicVersion;
      if (extra['anthropic-beta']) h['anthropic-beta'] = extra['anthropic-beta'];
      if (key) h['x-api-key'] = key;
    } else {
      for (const [k, v] of Object.entries(extra)) if (k.startsWith('openai-')) h[k] = v;
      if (key) h.authorization = `Bearer ${key}`;
    }
    if (this.basicAuth) h.authorization = `Basic ${this.basicAuth}`;
    return h;
  }

  private async requestWithRetries(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    extraHeaders: Record<string, string>,
    signal: CancelSignal,
  ): Promise<UpstreamResponse> {
    const headers = this.headers(extraHeaders);
    for (let attempt = 0; ; attempt++) {
      let res: Dispatcher.ResponseData;
      try {
        res = await this.agent.request({
          origin: this.origin,
          path,
          method,
          headers,
          body,
          signal,
        });
      } catch (err) {
        const failure = this.classify(err, signal);
        // A timeout already cost the user the full wait: answer 504 rather than wait again.
        if (failure === 'aborted' || failure === 'timeout' || attempt >= this.opts.maxRetries) {
          throw new UpstreamError(failure, this.describeFailure(failure, err));
        }
        await this.sleepFn(backoffMs(attempt), signal);
        continue;
      }
      const responseHeaders = flattenHeaders(res.headers);
      if (isRetryableStatus(res.statusCode) && attempt < this.opts.maxRetries) {
        const wait = parseRetryAfter(responseHeaders['retry-after']) ?? backoffMs(attempt);
        if (wait <= this.opts.maxRetryWaitMs && responseHeaders['x-should-retry'] !== 'false') {
          await res.body.dump().catch(() => {});
          await this.sleepFn(wait, signal);
          continue;
        }
      }
      const cap = this.opts.maxResponseBytes ?? Number.POSITIVE_INFINITY;
      const declared = Number(responseHeaders['content-length']);
      if (declared > cap) {
        res.body.destroy();
        throw new UpstreamError('too_large', this.tooLarge(`${declared} bytes`));
      }
      return {
        status: res.statusCode,
        headers: responseHeaders,
        body: Number.isFinite(cap)
          ? this.capped(res.body, cap, (responseHeaders['content-type'] ?? '').includes('event-stream'))
          : res.body,
        discard: () => {
          res.body.destroy();
        },
      };
    }
  }

  private tooLarge(size: string): string {
    return `${this.name} sent a response larger than upstream.max_response_bytes (${this.opts.maxResponseBytes} bytes): ${size}`;
  }

  /**
   * Counts bytes as they arrive; past the cap the body is destroyed and the reader gets an error.
   * An SSE body is passed on in whole events, so the error event that follows never lands inside
   * a cut one. A stream (not a generator), so destroying it still ends the upstream body.
   */
  private capped(body: Dispatcher.ResponseData['body'], cap: number, sse: boolean): Transform {
    let n = 0;
    let held: Buffer = Buffer.alloc(0);
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        n += chunk.length;
        if (n > cap) return done(new UpstreamError('too_large', this.tooLarge(`more than ${cap} bytes`)));
        if (!sse) return done(null, chunk);
        const all = held.length ? Buffer.concat([held, chunk]) : chunk;
        const end = Math.max(all.lastIndexOf('\n\n') + 2, all.lastIndexOf('\r\n\r\n') + 4, 0);
        held = all.subarray(end);
        done(null, end > 0 ? all.subarray(0, end) : undefined);
      },
      flush: (done) => done(null, held.length ? held : undefined),
    });
    pipeline(body, counter, () => {});
    return counter;
  }

  private classify(err: unknown, signal: CancelSignal): 'connect' | 'timeout' | 'reset' | 'aborted' {
    if (signal.aborted) return 'aborted';
    if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError)
      return 'timeout';
    if (err instanceof undiciErrors.ConnectTimeoutError) return 'timeout';
    const code = (err as { code?: string }).code;
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'reset';
    return 'connect';
  }

  private describeFailure(failure: string, err: unknown): string {
    const detail = (err as Error).message ?? String(err);
    if (failure === 'timeout')
      return `${this.name} did not answer within ${this.opts.timeoutMs} ms (${detail})`;
    if (failure === 'aborted') return `request to ${this.name} was cancelled`;
    return `cannot reach ${this.name}: ${detail}`;
  }
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
