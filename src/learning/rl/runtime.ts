import type { Logger } from 'pino';
import { ConfigError } from '../../config/errors.js';
import type { Config } from '../../config/schema.js';
import type { Scheduler } from '../../scheduler/runtime.js';
import type { Db } from '../../store/db.js';
import { LearningUsageRepository } from '../../store/learning-usage.js';
import { RlFailureRepository, TrainingStepRepository } from '../../store/training.js';
import type { PolicySamplerFactory } from '../policy/build-backend.js';
import type { PolicySampler, SampledSequence, SampleParams } from '../policy/sampler.js';
import { TinkerClient } from '../tinker/client.js';
import { type SamplerRef, TinkerTrainer } from '../tinker/trainer.js';
import { type ReopenBackoff, TinkerConnection } from './connection.js';
import { CompletionsTeacher } from './opd.js';
import { RlTrainer } from './trainer-loop.js';

/**
 * A policy sampler backed by one Tinker sampler checkpoint (one weight version). It samples
 * through the connection, so a reopened session keeps serving the same weights.
 */
export class TinkerSampler implements PolicySampler {
  readonly name: string;
  constructor(
    private readonly conn: Pick<TinkerConnection, 'get' | 'failed'>,
    private readonly ref: SamplerRef,
    readonly version: number,
  ) {
    this.name = ref.path;
  }

  async sample(promptTokens: number[], p: SampleParams, signal: AbortSignal): Promise<SampledSequence> {
    if (signal.aborted) throw signal.reason;
    const backend = await this.conn.get();
    try {
      return await backend.sample(
        promptTokens,
        { max_tokens: p.maxTokens, temperature: p.temperature, stop: p.stop, seed: p.seed },
        this.ref,
      );
    } catch (err) {
      this.conn.failed(err);
      throw err;
    }
  }
}

export interface RlRuntime {
  trainer: RlTrainer;
  /** For `serving.mode: policy`: serves the latest sampler weights (version 0 = the fresh adapter). */
  samplerFactory: PolicySamplerFactory;
  /** Connect to serving and scheduling once the app has started. */
  start(ctx: { setSampler(s: PolicySampler): void; scheduler: Scheduler | null }): void;
  stop(): Promise<void>;
  /** The Tinker session shared by training and serving (reopened after a loss). */
  connection: TinkerConnection;
  /** Policy version, samples, checkpoint, session state and recent failures (`/v1/admin/train`). */
  status(): Record<string, unknown>;
}

export interface RlDeps {
  config: Config;
  env: NodeJS.ProcessEnv;
  db: Db;
  log: Logger;
  currentGeneration(): number;
  /** Tests inject a client for the local Tinker-protocol server. */
  fetchFn?: typeof fetch;
  /** Waits between failed session opens (tests shorten them). */
  backoff?: ReopenBackoff;
}

/**
 * Builds the RL side from `rl.*`: one Tinker session and LoRA model (opened on first use, resumed
 * from the last checkpoint), shared by serving (sampling) and training, and the trainer, driven by
 * the scheduler's windows, continuously, or only by `metaclaw train step`.
 */
export function wireRl(d: RlDeps): RlRuntime | null {
  const c = d.config.rl;
  if (!c.enabled) return null;
  const log = d.log.child({ component: 'rl' });
  const steps = new TrainingStepRepository(d.db);
  const failures = new RlFailureRepository(d.db);
  let setSampler: ((s: PolicySampler) => void) | null = null;
  const abort = new AbortController();
  let loop: Promise<void> | null = null;

  const conn = new TinkerConnection({
    failures,
    log,
    backoff: d.backoff,
    open: async (hooks) => {
      const client = new TinkerClient({
        baseUrl: c.backend_url,
        apiKey: c.api_key ?? d.env[c.api_key_env],
        fetch: d.fetchFn,
      });
      const resumeFrom = steps.latestCheckpoint() ?? undefined;
      const t = await TinkerTrainer.open(client, {
        baseModel: c.base_model!,
        loraRank: c.lora_rank,
        resumeFrom,
        tags: ['metaclaw'],
        ...hooks,
      });
      log.info({ backend: c.backend_url, baseModel: c.base_model, resumeFrom }, 'Tinker session open');
      return t;
    },
  });
  const backend = () => conn.get();

  const opd = c.opd;
  if (opd.enabled && (!opd.base_url || !opd.model)) {
    throw new ConfigError(
      'rl.opd.base_url and rl.opd.model are required when rl.opd.enabled is true',
      'rl.opd.base_url',
    );
  }
  const teacher = opd.enabled
    ? new CompletionsTeacher(
        {
          baseUrl: opd.base_url!,
          apiKey: opd.api_key ?? (opd.api_key_env ? d.env[opd.api_key_env] : undefined),
          model: opd.model!,
          timeoutMs: opd.timeout_ms,
        },
        new LearningUsageRepository(d.db).recorder('opd', (err) =>
          log.warn({ err }, 'could not record OPD token usage'),
        ),
      )
    : null;
  const trainer = new RlTrainer({
    teacher,
    db: d.db,
    log,
    config: c,
    backend,
    onBackendError: (err) => conn.failed(err),
    backendName: c.backend_url,
    currentGeneration: d.currentGeneration,
    onSampler: (ref, version) => {
      try {
        setSampler?.(new TinkerSampler(conn, ref, version));
        failures.recovered('swap');
      } catch (err) {
        failures.record('swap', err);
        log.error({ err, version }, 'could not put the new sampler weights live');
      }
    },
  });

  const samplerFactory: PolicySamplerFactory = async () => {
    const b = await backend();
    const latest = steps.latestSampler();
    // Before any training the served weights are the fresh adapter, saved once as version 0.
    const ref: SamplerRef = latest
      ? { path: latest, name: latest.split('/').pop()! }
      : await b.saveWeightsForSampler('v0');
    return new TinkerSampler(conn, ref, steps.policyVersion());
  };

  return {
    trainer,
    samplerFactory,
    start(ctx) {
      setSampler = ctx.setSampler;
      if (c.schedule === 'scheduler') {
        if (ctx.scheduler) ctx.scheduler.setTrainer(trainer);
        else
          log.warn(
            'rl.schedule is scheduler but scheduler.enabled is false: training runs only with `metaclaw train step`',
          );
      } else if (c.schedule === 'always') {
        loop = (async () => {
          while (!abort.signal.aborted) {
            try {
              if (await trainer.hasWork()) await trainer.runUntil(abort.signal);
            } catch (err) {
              log.error({ err }, 'training failed; retrying in a minute');
              await sleep(60_000, abort.signal);
            }
            await sleep(5_000, abort.signal);
          }
        })();
      }
    },
    async stop() {
      abort.abort();
      await loop?.catch(() => {});
      await conn.close();
    },
    connection: conn,
    status: () => ({
      policy_version: trainer.policyVersion(),
      samples: trainer.queue.counts(),
      last_checkpoint: steps.latestCheckpoint(),
      tinker: conn.status(),
      unrecovered_failures: failures.unrecovered(),
      failures: failures.recent(10),
    }),
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
