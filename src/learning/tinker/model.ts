// A training run (TrainingClient in the SDK). Training calls carry a per-model seq_id starting
// at 1 (create_model is 0), and the service runs them in seq_id order, *waiting* for a missing
// number. So numbers are handed out at submit time, one submit at a time: a call the service
// refused (4xx) gives its number back, and no gap can stall later calls.
import type { z } from 'zod';
import type { TinkerSession } from './client.js';
import { TinkerError } from './errors.js';
import { submit } from './futures.js';
import { aborted } from './http.js';
import {
  type AdamParams,
  type Datum,
  DEFAULT_ADAM,
  type ForwardBackwardOutput,
  forwardBackwardOutputSchema,
  getInfoSchema,
  type LossFnConfig,
  type LossFnName,
  loadWeightsSchema,
  type ModelInfo,
  optimStepSchema,
  saveForSamplerSchema,
  saveWeightsSchema,
  unloadModelSchema,
} from './types.js';

const NAME = /^[A-Za-z0-9_-]{1,255}$/;

export interface SamplerSave {
  /** `tinker://<model_id>/sampler_weights/<name>`; null for an unnamed save. */
  path: string | null;
  /** Set for an unnamed save: a sampling session already bound to the weights. */
  samplingSessionId: string | null;
}

export class TrainingModel {
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** Set when a submit may or may not have reached the service: its seq_id is then unknowable. */
  private broken: TinkerError | null = null;

  constructor(
    readonly session: TinkerSession,
    readonly id: string,
    readonly baseModel: string,
  ) {}

  /** Set once a submit may have landed unseen: this model takes no more training calls. */
  get brokenError(): TinkerError | null {
    return this.broken;
  }

  /** The last seq_id the service accepted. */
  get lastSeqId(): number {
    return this.seq;
  }

  async getInfo(signal?: AbortSignal): Promise<ModelInfo> {
    return this.session.client.post(
      'get_info',
      { model_id: this.id, type: 'get_info' },
      getInfoSchema,
      signal,
    );
  }

  forwardBackward(
    data: Datum[],
    lossFn: LossFnName,
    lossFnConfig?: LossFnConfig,
    signal?: AbortSignal,
  ): Promise<ForwardBackwardOutput> {
    const input = { data, loss_fn: lossFn, loss_fn_config: lossFnConfig };
    return this.train(
      'forward_backward',
      { model_id: this.id, forward_backward_input: input },
      forwardBackwardOutputSchema,
      signal,
    );
  }

  /** Forward only (no gradient): logprobs and loss under the current weights. */
  forward(
    data: Datum[],
    lossFn: LossFnName,
    lossFnConfig?: LossFnConfig,
    signal?: AbortSignal,
  ): Promise<ForwardBackwardOutput> {
    const input = { data, loss_fn: lossFn, loss_fn_config: lossFnConfig };
    return this.train(
      'forward',
      { model_id: this.id, forward_input: input },
      forwardBackwardOutputSchema,
      signal,
    );
  }

  async optimStep(adam: Partial<AdamParams> = {}, signal?: AbortSignal): Promise<Record<string, number>> {
    // All six fields, always: the service's defaults are not necessarily the SDK's.
    const adam_params: AdamParams = { ...DEFAULT_ADAM, ...adam };
    const res = await this.train(
      'optim_step',
      { model_id: this.id, adam_params, type: 'optim_step' },
      optimStepSchema,
      signal,
    );
    return res?.metrics ?? {};
  }

  /** Weights and optimizer state, for resuming: `tinker://<model_id>/weights/<name>`. */
  async saveWeights(name: string, o: { ttlSeconds?: number } = {}, signal?: AbortSignal): Promise<string> {
    checkName(name);
    const body = { model_id: this.id, path: name, ttl_seconds: o.ttlSeconds, type: 'save_weights' };
    return (await this.train('save_weights', body, saveWeightsSchema, signal)).path;
  }

  /** Named: a sampler checkpoint path. Unnamed: an ephemeral sampling session (takes a sampling seq). */
  async saveWeightsForSampler(
    name?: string,
    o: { ttlSeconds?: number } = {},
    signal?: AbortSignal,
  ): Promise<SamplerSave> {
    if (name !== undefined) checkName(name);
    const body = {
      model_id: this.id,
      path: name,
      sampling_session_seq_id: name === undefined ? this.session.nextSamplingSeq() : undefined,
      ttl_seconds: o.ttlSeconds,
      type: 'save_weights_for_sampler',
    };
    const res = await this.train('save_weights_for_sampler', body, saveForSamplerSchema, signal);
    if (name !== undefined && !res.path)
      throw new TinkerError('tinker_server_error', 'save_weights_for_sampler: the result has no path');
    return { path: res.path ?? null, samplingSessionId: res.sampling_session_id ?? null };
  }

  /** Only allowed as a model's first training call (seq_id 1); the service answers 400 otherwise. */
  async loadWeights(path: string, o: { optimizer: boolean }, signal?: AbortSignal): Promise<string> {
    const body = { model_id: this.id, path, optimizer: o.optimizer, type: 'load_weights' };
    return (await this.train('load_weights', body, loadWeightsSchema, signal)).path;
  }

  async unload(signal?: AbortSignal): Promise<void> {
    const body = JSON.stringify({ model_id: this.id, type: 'unload_model' });
    await this.session.client.call('unload_model', body, unloadModelSchema, signal);
  }

  private async train<T>(
    path: string,
    fields: Record<string, unknown>,
    schema: z.ZodType<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const { requestId, bodyText } = await this.submitInOrder(path, fields, signal);
    return this.session.client.await(path, requestId, bodyText, schema, signal);
  }

  private submitInOrder(path: string, fields: Record<string, unknown>, signal?: AbortSignal) {
    const turn = this.queue.then(async () => {
      this.session.assertUsable();
      if (this.broken) throw this.broken;
      if (signal?.aborted) throw aborted(signal);
      const seq = this.seq + 1;
      const bodyText = JSON.stringify({ ...fields, seq_id: seq });
      try {
        // No signal: once a numbered request is on the wire it must land, or the number is lost.
        const requestId = await submit(this.session.client.transport, path, bodyText);
        this.seq = seq;
        return { requestId, bodyText };
      } catch (err) {
        if (mayHaveLanded(err))
          this.broken = new TinkerError(
            'tinker_unavailable',
            `model ${this.id}: ${path} (seq_id ${seq}) may or may not have reached Tinker, so later ` +
              'seq_ids cannot be trusted; create a new model from the last checkpoint',
            { path, cause: err },
          );
        throw err;
      }
    });
    this.queue = turn.catch(() => {});
    return signal ? raceAbort(turn, signal) : turn;
  }
}

function mayHaveLanded(err: unknown): boolean {
  if (!(err instanceof TinkerError)) return true;
  if (err.code !== 'tinker_unavailable' && err.code !== 'tinker_timeout') return false;
  return err.details.category !== 'not_sent' && err.status !== 429;
}

function checkName(name: string): void {
  if (!NAME.test(name))
    throw new TinkerError('tinker_user_error', `checkpoint name "${name}" must match [A-Za-z0-9_-]{1,255}`);
}

/** The caller stops waiting at once; the submit itself (if already on the wire) still completes. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(aborted(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
