// Tinker-protocol client: TinkerClient (transport, stateless calls) → TinkerSession (heartbeat,
// model and sampling-session counters) → TrainingModel / SamplingClient.
import { z } from 'zod';
import { TinkerError } from './errors.js';
import { awaitFuture, DEFAULT_POLL, type PollPolicy, submit } from './futures.js';
import { type RetryPolicy, Transport } from './http.js';
import { TrainingModel } from './model.js';
import { SamplingClient } from './sampling.js';
import {
  capabilitiesSchema,
  createModelResultSchema,
  createSamplingSessionSchema,
  createSessionSchema,
  healthSchema,
  type LoraConfig,
  type SamplerInfo,
  type ServerCapabilities,
  samplerInfoSchema,
} from './types.js';

export const DEFAULT_TINKER_URL = 'https://tinker.thinkingmachines.dev/services/tinker-prod';

export interface TinkerClientOptions {
  baseUrl?: string;
  apiKey?: string;
  /** Named in the error when the key is missing or refused. */
  keyHint?: string;
  requestTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  poll?: Partial<PollPolicy>;
  heartbeatMs?: number;
  /**
   * Sent in create_session. Servers pick wire dialects by SDK version; 0.17.0 is the last one
   * whose results are JSON-only and that has sessions and seq ids, which is what we speak.
   */
  sdkVersion?: string;
  fetch?: typeof fetch;
}

export class TinkerClient {
  readonly transport: Transport;
  readonly poll: PollPolicy;
  readonly heartbeatMs: number;
  readonly sdkVersion: string;

  constructor(opts: TinkerClientOptions) {
    const keyHint = opts.keyHint ?? 'rl.api_key or the variable named by rl.api_key_env';
    if (!opts.apiKey)
      throw new TinkerError(
        'tinker_auth',
        `No Tinker API key: set ${keyHint} (hosted keys start with "tml-"; a local SkyRL-tx accepts any value)`,
      );
    this.transport = new Transport({
      baseUrl: opts.baseUrl ?? DEFAULT_TINKER_URL,
      apiKey: opts.apiKey,
      keyHint,
      requestTimeoutMs: opts.requestTimeoutMs ?? 60_000,
      retry: { retries: 4, baseDelayMs: 250, maxDelayMs: 8_000, ...opts.retry },
      fetch: opts.fetch,
    });
    this.poll = { ...DEFAULT_POLL, ...opts.poll };
    this.heartbeatMs = opts.heartbeatMs ?? 10_000;
    this.sdkVersion = opts.sdkVersion ?? '0.17.0';
  }

  async healthz(signal?: AbortSignal): Promise<{ status: string }> {
    return this.get('healthz', healthSchema, signal);
  }

  async getServerCapabilities(signal?: AbortSignal): Promise<ServerCapabilities> {
    return this.get('get_server_capabilities', capabilitiesSchema, signal);
  }

  async getSampler(samplingSessionId: string, signal?: AbortSignal): Promise<SamplerInfo> {
    return this.get(`samplers/${encodeURIComponent(samplingSessionId)}`, samplerInfoSchema, signal);
  }

  async createSession(
    o: {
      tags: string[];
      userMetadata?: Record<string, unknown>;
      projectId?: string;
      onLost?: (e: TinkerError) => void;
      /** A heartbeat failed for another reason (network trouble): `null` when one succeeds again. */
      onHeartbeatError?: (e: TinkerError | null) => void;
    },
    signal?: AbortSignal,
  ): Promise<TinkerSession> {
    const body = {
      tags: o.tags,
      user_metadata: o.userMetadata,
      sdk_version: this.sdkVersion,
      project_id: o.projectId,
      type: 'create_session',
    };
    const res = await this.post('create_session', body, createSessionSchema, signal);
    if (res.error_message)
      throw new TinkerError('tinker_user_error', `create_session: ${res.error_message}`, {
        path: 'create_session',
      });
    return new TinkerSession(
      this,
      res.session_id,
      o.onLost,
      res.warning_message ?? undefined,
      o.onHeartbeatError,
    );
  }

  /** An immediate (non-future) POST. `undefined` fields are dropped by JSON.stringify, as the SDK drops None. */
  async post<T>(path: string, body: object, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
    const answer = await this.transport.request('POST', path, JSON.stringify(body), { signal });
    return parseAnswer(path, answer.body, schema);
  }

  /** A POST that answers with a future, polled to its result. */
  async call<T>(path: string, bodyText: string, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
    const requestId = await submit(this.transport, path, bodyText, signal);
    return this.await(path, requestId, bodyText, schema, signal);
  }

  await<T>(path: string, requestId: string, bodyText: string, schema: z.ZodType<T>, signal?: AbortSignal) {
    return awaitFuture(this.transport, this.poll, requestId, {
      what: path,
      schema,
      signal,
      resubmit: () => submit(this.transport, path, bodyText, signal),
    });
  }

  private async get<T>(path: string, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
    const answer = await this.transport.request('GET', path, undefined, { signal });
    return parseAnswer(path, answer.body, schema);
  }
}

function parseAnswer<T>(path: string, body: unknown, schema: z.ZodType<T>): T {
  const r = schema.safeParse(body);
  if (!r.success)
    throw new TinkerError(
      'tinker_server_error',
      `${path}: unexpected answer shape (${r.error.issues[0]?.message})`,
      {
        path,
      },
    );
  return r.data;
}

export type SessionState = 'active' | 'lost' | 'closed';

export class TinkerSession {
  state: SessionState = 'active';
  /** Set when the heartbeat learned the service dropped the session (404). */
  error: TinkerError | null = null;
  /** The last heartbeat failure that was not a 404 (network trouble); cleared by a success. */
  heartbeatError: TinkerError | null = null;
  heartbeats = 0;
  private modelSeq = 0;
  private samplingSeq = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly stop = new AbortController();
  private beating = false;

  constructor(
    readonly client: TinkerClient,
    readonly id: string,
    private readonly onLost?: (e: TinkerError) => void,
    readonly warning?: string,
    private readonly onHeartbeatError?: (e: TinkerError | null) => void,
  ) {
    this.timer = setInterval(() => void this.heartbeat(), client.heartbeatMs);
    // The heartbeat must never keep the process alive on its own.
    this.timer.unref();
  }

  async heartbeat(): Promise<void> {
    if (this.beating || this.state !== 'active') return;
    this.beating = true;
    try {
      await this.client.post(
        'session_heartbeat',
        { session_id: this.id, type: 'session_heartbeat' },
        z.unknown(),
        this.stop.signal,
      );
      this.heartbeats++;
      if (this.heartbeatError) this.onHeartbeatError?.(null);
      this.heartbeatError = null;
    } catch (err) {
      if (this.state !== 'active') return;
      const e = err as TinkerError;
      if (e.code === 'tinker_not_found') {
        this.error = new TinkerError(
          'tinker_session_lost',
          `Tinker no longer knows session ${this.id} (heartbeat answered 404); create a new session`,
          { status: 404, path: 'session_heartbeat', cause: e },
        );
        this.state = 'lost';
        clearInterval(this.timer);
        this.onLost?.(this.error);
      } else {
        // Told once per streak of failures, not on every beat.
        if (!this.heartbeatError) this.onHeartbeatError?.(e);
        this.heartbeatError = e;
      }
    } finally {
      this.beating = false;
    }
  }

  /** Throws when the session cannot take requests any more. */
  assertUsable(): void {
    if (this.error) throw this.error;
    if (this.state === 'closed')
      throw new TinkerError('tinker_user_error', `Tinker session ${this.id} is closed`);
  }

  async createModel(
    o: { baseModel: string; lora: LoraConfig; userMetadata?: Record<string, string> },
    signal?: AbortSignal,
  ): Promise<TrainingModel> {
    this.assertUsable();
    const bodyText = JSON.stringify({
      session_id: this.id,
      model_seq_id: this.modelSeq++,
      base_model: o.baseModel,
      lora_config: o.lora,
      user_metadata: o.userMetadata,
      type: 'create_model',
    });
    const res = await this.client.call('create_model', bodyText, createModelResultSchema, signal);
    return new TrainingModel(this, res.model_id, o.baseModel);
  }

  /** Takes the next number of the counter shared by sampling sessions and unnamed sampler saves. */
  nextSamplingSeq(): number {
    return this.samplingSeq++;
  }

  async createSamplingSession(
    source: { modelPath: string } | { baseModel: string },
    signal?: AbortSignal,
  ): Promise<SamplingClient> {
    this.assertUsable();
    const res = await this.client.post(
      'create_sampling_session',
      {
        session_id: this.id,
        sampling_session_seq_id: this.nextSamplingSeq(),
        base_model: 'baseModel' in source ? source.baseModel : undefined,
        model_path: 'modelPath' in source ? source.modelPath : undefined,
        type: 'create_sampling_session',
      },
      createSamplingSessionSchema,
      signal,
    );
    return new SamplingClient(this, res.sampling_session_id);
  }

  /** Stops the heartbeat. The protocol has no call to end a session: the service expires it. */
  close(): void {
    if (this.state === 'active') this.state = 'closed';
    clearInterval(this.timer);
    this.stop.abort();
  }
}
