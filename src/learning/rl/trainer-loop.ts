import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { RlConfig } from '../../config/sections/rl.js';
import type { TrainerPort, TrainRunResult } from '../../scheduler/types.js';
import type { Db } from '../../store/db.js';
import { RlFailureRepository, TrainingStepRepository } from '../../store/training.js';
import type { SamplerRef, TrainerBackend } from '../tinker/trainer.js';
import type { Datum } from '../tinker/types.js';
import { computeAdvantages } from './advantages.js';
import { buildDatum } from './datum.js';
import { SampleQueue, type TrainingSample } from './samples.js';

/** Teacher logprobs for on-policy distillation (one per response token). */
export interface Teacher {
  logprobs(sample: TrainingSample, signal: AbortSignal): Promise<number[]>;
}

export interface RlTrainerDeps {
  db: Db;
  log: Logger;
  config: RlConfig;
  /** Opened lazily on the first step (a Tinker session), so an idle service holds no session. */
  backend: () => Promise<TrainerBackend>;
  backendName: string;
  currentGeneration: () => number;
  /** New sampler weights are live: swap them into serving (policy version + 1). */
  onSampler: (ref: SamplerRef, version: number) => void;
  /** A remote call failed (the connection drops a lost session or model and reopens it). */
  onBackendError?: (err: unknown) => void;
  teacher?: Teacher | null;
}

export type StepOutcome =
  | {
      kind: 'trained';
      stepId: number;
      loss: number;
      samples: number;
      version: number;
      checkpoint: string | null;
    }
  | { kind: 'skipped'; reason: string; samples: number }
  | { kind: 'idle'; reason: string };

/**
 * The RL trainer: fresh samples → advantages → token-exact datums → forward_backward → optim_step
 * → save_weights_for_sampler → the new sampler swapped into serving. Each step is a row in the
 * store; a checkpoint is saved every `checkpoint_every` steps and when a window closes.
 */
export class RlTrainer implements TrainerPort {
  readonly steps: TrainingStepRepository;
  readonly queue: SampleQueue;
  readonly failures: RlFailureRepository;
  private baseline: number | undefined;
  private stepsSinceCheckpoint = 0;
  private running: Promise<unknown> | null = null;
  private readonly stepListeners = new Set<(stepId: number) => void>();

  constructor(private readonly d: RlTrainerDeps) {
    this.steps = new TrainingStepRepository(d.db);
    this.queue = new SampleQueue(d.db);
    this.failures = new RlFailureRepository(d.db);
  }

  policyVersion(): number {
    return this.steps.policyVersion();
  }

  /** Be told the id of every step row written (trained or skipped), e.g. to publish it to the dashboard. */
  onStep(fn: (stepId: number) => void): () => void {
    this.stepListeners.add(fn);
    return () => this.stepListeners.delete(fn);
  }

  private stepRecorded(stepId: number): void {
    for (const fn of this.stepListeners) {
      try {
        fn(stepId);
      } catch (err) {
        this.d.log.warn({ err, stepId }, 'a training step listener failed');
      }
    }
  }

  async hasWork(): Promise<boolean> {
    const c = this.d.config;
    return (
      this.queue.pending(this.d.currentGeneration(), this.policyVersion(), c.max_policy_lag) >= c.min_batch
    );
  }

  /** Train while there is work; when `stop` aborts, finish the remote call in flight, checkpoint, return. */
  async runUntil(stop: AbortSignal): Promise<TrainRunResult> {
    let steps = 0;
    while (!stop.aborted && (await this.hasWork())) {
      const out = await this.step(stop);
      if (out.kind === 'trained') steps++;
      else break;
    }
    let checkpoint: string | null = null;
    // A failed checkpoint on preemption is recorded (and logged) by checkpoint(); the window still closes.
    if (stop.aborted && this.stepsSinceCheckpoint > 0)
      checkpoint = await this.checkpoint('preempt').catch(() => null);
    return { steps, stopped: stop.aborted, checkpoint, detail: `policy version ${this.policyVersion()}` };
  }

  /** One step (also `metaclaw train step`). Steps never overlap. */
  async step(stop?: AbortSignal): Promise<StepOutcome> {
    while (this.running) await this.running.catch(() => {});
    const p = this.doStep(stop);
    this.running = p;
    try {
      const out = await p;
      if (out.kind === 'trained') this.failures.recovered('step');
      return out;
    } catch (err) {
      this.failures.record('step', err);
      this.d.onBackendError?.(err);
      throw err;
    } finally {
      this.running = null;
    }
  }

  /** Save weights and optimizer state; a failure is recorded and logged, then thrown. */
  async checkpoint(tag: string): Promise<string> {
    try {
      const backend = await this.d.backend();
      const lastStep = this.steps.list(1)[0];
      const ref = await backend.saveState(`${tag}-v${this.policyVersion()}-${Date.now()}`);
      if (lastStep) this.steps.setCheckpoint(lastStep.id, ref.path);
      this.stepsSinceCheckpoint = 0;
      this.failures.recovered('checkpoint');
      return ref.path;
    } catch (err) {
      this.failures.record('checkpoint', err);
      this.d.onBackendError?.(err);
      this.d.log.error({ err, tag }, 'saving a training checkpoint failed');
      throw err;
    }
  }

  private async doStep(stop?: AbortSignal): Promise<StepOutcome> {
    const c = this.d.config;
    const generation = this.d.currentGeneration();
    const version = this.policyVersion();
    const { samples, dropped } = this.queue.take(generation, version, c.max_policy_lag, c.batch_size);
    if (dropped.length > 0)
      this.d.log.info({ dropped: dropped.length }, 'dropped samples that lag the policy');
    if (samples.length < c.min_batch)
      return { kind: 'idle', reason: `${samples.length} fresh samples (need ${c.min_batch})` };

    const adv = computeAdvantages(
      samples.map((s) => ({ id: s.turnId, reward: s.reward, groupKey: s.groupKey })),
      c.advantage,
      { baseline: this.baseline, emaDecay: c.ema_decay },
    );
    if (adv.baseline !== undefined) this.baseline = adv.baseline;
    const info = new Map(
      samples.map((s) => [
        s.turnId,
        { reward: s.reward, advantage: adv.advantages.get(s.turnId) ?? null, version: s.policyVersion },
      ]),
    );
    if (adv.zeroVariance || adv.advantages.size === 0) {
      // Nothing to learn from a batch whose rewards are all equal: say so, do not fake a step.
      const reason = 'zero reward variance in the batch: no learning signal';
      const stepId = this.steps.insert({
        backend: this.d.backendName,
        loss: null,
        metrics: { samples: samples.length, stale: dropped.length },
        samplerPath: null,
        checkpointPath: null,
        status: 'skipped',
        timings: null,
        sampleIds: samples.map((s) => s.turnId),
      });
      this.queue.mark(
        samples.map((s) => s.turnId),
        'used',
        stepId,
        generation,
        info,
      );
      this.d.log.warn({ samples: samples.length }, reason);
      this.stepRecorded(stepId);
      return { kind: 'skipped', reason, samples: samples.length };
    }

    const t0 = performance.now();
    const used = samples.filter((s) => adv.advantages.has(s.turnId));
    const datums: Datum[] = [];
    for (const s of used) {
      let perToken: number | number[] = adv.advantages.get(s.turnId)!;
      if (this.d.teacher && c.opd.enabled) {
        const teacher = await this.d.teacher.logprobs(s, stop ?? new AbortController().signal);
        perToken = opdAdvantages(s, perToken, teacher, c.opd.coef);
      }
      datums.push(buildDatum(s.promptTokens, s.responseTokens, s.logprobs, perToken, { sample: s.turnId }));
    }
    const tDatums = performance.now();
    const backend = await this.d.backend();
    const lossConfig =
      c.loss === 'ppo' ? { clip_low_threshold: c.clip_low, clip_high_threshold: c.clip_high } : undefined;
    const fb = await backend.forwardBackward(datums, c.loss, lossConfig);
    const tFb = performance.now();
    await backend.optimStep({
      learning_rate: c.learning_rate,
      beta1: c.beta1,
      beta2: c.beta2,
      eps: c.eps,
      weight_decay: c.weight_decay,
      grad_clip_norm: c.grad_clip_norm,
    });
    const tOpt = performance.now();
    const ref = await backend.saveWeightsForSampler(`v${version + 1}-${Date.now()}`);
    const tSave = performance.now();
    const tokens = used.reduce((n, s) => n + s.responseTokens.length, 0);
    const stepId = this.d.db.transaction(() => {
      const id = this.steps.insert({
        backend: this.d.backendName,
        loss: fb.loss,
        metrics: {
          ...fb.metrics,
          loss_per_token: fb.loss / Math.max(1, tokens),
          samples: used.length,
          no_signal: adv.noSignal.length,
          stale: dropped.length,
        },
        samplerPath: ref.path,
        checkpointPath: null,
        status: 'ok',
        timings: {
          datums_ms: tDatums - t0,
          forward_backward_ms: tFb - tDatums,
          optim_step_ms: tOpt - tFb,
          save_sampler_ms: tSave - tOpt,
        },
        sampleIds: used.map((s) => s.turnId),
      });
      this.queue.mark(
        samples.map((s) => s.turnId),
        'used',
        id,
        generation,
        info,
      );
      return id;
    })();
    const newVersion = version + 1;
    this.d.onSampler(ref, newVersion);
    this.stepRecorded(stepId);
    this.stepsSinceCheckpoint++;
    let checkpoint: string | null = null;
    // The step itself succeeded; a failed checkpoint is recorded and retried after the next step.
    if (this.stepsSinceCheckpoint >= c.checkpoint_every)
      checkpoint = await this.checkpoint('step').catch(() => null);
    this.d.log.info(
      { stepId, loss: fb.loss, samples: used.length, version: newVersion },
      'training step done',
    );
    return { kind: 'trained', stepId, loss: fb.loss, samples: used.length, version: newVersion, checkpoint };
  }
}

/**
 * On-policy distillation folded into the advantages: a reverse-KL penalty per token,
 * A_t = A − coef · (log π(y_t) − log π_teacher(y_t)). Non-finite values name the turn.
 */
export function opdAdvantages(
  s: TrainingSample,
  advantage: number,
  teacher: number[],
  coef: number,
): number[] {
  if (teacher.length !== s.responseTokens.length) {
    throw new Error(
      `sample ${s.turnId}: teacher gave ${teacher.length} logprobs for ${s.responseTokens.length} response tokens`,
    );
  }
  return s.logprobs.map((lp, i) => {
    const v = advantage - coef * (lp - teacher[i]!);
    if (!Number.isFinite(v))
      throw new Error(
        `sample ${s.turnId}: non-finite OPD advantage at token ${i} (student ${lp}, teacher ${teacher[i]})`,
      );
    return v;
  });
}
