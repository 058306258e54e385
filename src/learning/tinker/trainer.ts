// TrainerBackend (ARCHITECTURE §4) over a Tinker-protocol service: one session, one LoRA model,
// and sampling sessions cached per sampler checkpoint.
import type { TinkerClient, TinkerSession } from './client.js';
import { TinkerError } from './errors.js';
import type { TrainingModel } from './model.js';
import type { SamplingClient } from './sampling.js';
import type { AdamParams, Datum, LossFnConfig, LossFnName, SamplingParams } from './types.js';

export type LossName = LossFnName;
export type LossConfig = LossFnConfig;

export interface FwdBwdResult {
  /** `loss:sum` from the service: the summed (not averaged) loss over all tokens of the batch. */
  loss: number;
  metrics: Record<string, number>;
  /** Per datum, in order: the model's logprobs of the targets and the per-token loss. */
  outputs: { logprobs: number[]; elementwiseLoss: number[] }[];
}
export interface SamplerRef {
  /** `tinker://<model_id>/sampler_weights/<name>` */
  path: string;
  name: string;
}
export interface CheckpointRef {
  /** `tinker://<model_id>/weights/<name>`, loadable with optimizer state. */
  path: string;
  name: string;
}
export interface SampledSequence {
  tokens: number[];
  logprobs: number[];
  stopReason: 'length' | 'stop';
}

export interface TrainerBackend {
  forwardBackward(data: Datum[], loss: LossName, config?: LossConfig): Promise<FwdBwdResult>;
  optimStep(adam: AdamParams): Promise<void>;
  saveWeightsForSampler(name: string): Promise<SamplerRef>;
  saveState(name: string): Promise<CheckpointRef>;
  sample(prompt: number[], params: SamplingParams, sampler: SamplerRef): Promise<SampledSequence>;
}

export interface TinkerTrainerOptions {
  baseModel: string;
  loraRank: number;
  loraSeed?: number;
  tags?: string[];
  /** A `tinker://…/weights/<name>` checkpoint to continue from (loaded as the first call). */
  resumeFrom?: string;
  /** Restore Adam moments too (default true). */
  loadOptimizer?: boolean;
  /** Sampling sessions kept open; older ones are forgotten (the service expires them). */
  samplerCacheSize?: number;
  signal?: AbortSignal;
  /** The heartbeat learned the service dropped the session. */
  onLost?: (e: TinkerError) => void;
  /** A heartbeat failed otherwise (`null`: beating again). */
  onHeartbeatError?: (e: TinkerError | null) => void;
}

export class TinkerTrainer implements TrainerBackend {
  private readonly samplers = new Map<string, Promise<SamplingClient>>();

  private constructor(
    readonly session: TinkerSession,
    readonly model: TrainingModel,
    private readonly cacheSize: number,
  ) {}

  static async open(client: TinkerClient, o: TinkerTrainerOptions): Promise<TinkerTrainer> {
    const session = await client.createSession(
      { tags: o.tags ?? ['metaclaw'], onLost: o.onLost, onHeartbeatError: o.onHeartbeatError },
      o.signal,
    );
    try {
      const model = await session.createModel(
        { baseModel: o.baseModel, lora: { rank: o.loraRank, seed: o.loraSeed } },
        o.signal,
      );
      if (o.resumeFrom)
        await model.loadWeights(o.resumeFrom, { optimizer: o.loadOptimizer ?? true }, o.signal);
      return new TinkerTrainer(session, model, o.samplerCacheSize ?? 4);
    } catch (err) {
      session.close();
      throw err;
    }
  }

  async forwardBackward(data: Datum[], loss: LossName, config?: LossConfig): Promise<FwdBwdResult> {
    const out = await this.model.forwardBackward(data, loss, config);
    const lossSum = out.metrics['loss:sum'];
    if (lossSum === undefined || !Number.isFinite(lossSum))
      throw new TinkerError(
        'tinker_server_error',
        `forward_backward: loss:sum is ${lossSum} (must be finite)`,
      );
    return {
      loss: lossSum,
      metrics: out.metrics,
      outputs: out.loss_fn_outputs.map((o) => ({
        logprobs: o.logprobs?.data ?? [],
        elementwiseLoss: o.elementwise_loss?.data ?? [],
      })),
    };
  }

  async optimStep(adam: AdamParams): Promise<void> {
    await this.model.optimStep(adam);
  }

  async saveWeightsForSampler(name: string): Promise<SamplerRef> {
    const { path } = await this.model.saveWeightsForSampler(name);
    return { path: path!, name };
  }

  async saveState(name: string): Promise<CheckpointRef> {
    return { path: await this.model.saveWeights(name), name };
  }

  async sample(prompt: number[], params: SamplingParams, sampler: SamplerRef): Promise<SampledSequence> {
    const client = await this.samplerFor(sampler.path);
    const res = await client.sample(prompt, params);
    const seq = res.sequences[0];
    if (!seq) throw new TinkerError('tinker_server_error', 'sample: the service returned no sequence');
    if (!seq.logprobs || seq.logprobs.length !== seq.tokens.length)
      throw new TinkerError('tinker_server_error', 'sample: logprobs missing or not one per sampled token');
    return { tokens: seq.tokens, logprobs: seq.logprobs, stopReason: seq.stop_reason };
  }

  /** Why this trainer can take no more calls (session lost or closed, model broken); null = usable. */
  unusable(): TinkerError | null {
    if (this.session.error) return this.session.error;
    if (this.session.state === 'closed')
      return new TinkerError('tinker_user_error', `Tinker session ${this.session.id} is closed`);
    return this.model.brokenError;
  }

  /** Stops the heartbeat; the model and its checkpoints stay on the service. */
  close(): void {
    this.session.close();
  }

  private samplerFor(path: string): Promise<SamplingClient> {
    let s = this.samplers.get(path);
    if (!s) {
      s = this.session.createSamplingSession({ modelPath: path });
      s.catch(() => this.samplers.delete(path));
      this.samplers.set(path, s);
      for (const old of this.samplers.keys()) {
        if (this.samplers.size <= this.cacheSize) break;
        this.samplers.delete(old);
      }
    }
    return s;
  }
}
