import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { AdminEventBus } from './admin-api/event-bus.js';
import { adminApiRoutes } from './admin-api/routes/index.js';
import { publishTrainingSteps } from './admin-api/routes/training.js';
import { type AppOptions, loadOptionalModules } from './app-options.js';
import { ConfigError } from './config/errors.js';
import { LiveConfig, liveConfigRoutes } from './config/live.js';
import { liveTargets } from './config/live-targets.js';
import { storePath } from './config/load.js';
import { type ResolvedUpstream, resolveUpstream } from './config/upstream.js';
import { JobRunner } from './learning/jobs/runner.js';
import { type Learning, wireLearning } from './learning/pipeline.js';
import type { RlRuntime } from './learning/rl/runtime.js';
import { createLogger } from './logging.js';
import type { Scheduler } from './scheduler/runtime.js';
import { noInjection, type PromptInjector } from './server/injection.js';
import type { ProxyDeps } from './server/proxy/handle.js';
import { TurnRecorder } from './server/proxy/recorder.js';
import { Router } from './server/router.js';
import { adminSessionEndRoutes } from './server/routes/admin-session-end.js';
import { adminSessionStartRoutes } from './server/routes/admin-session-start.js';
import { feedbackRoutes } from './server/routes/feedback.js';
import { healthRoutes } from './server/routes/health.js';
import { llmRoutes } from './server/routes/llm.js';
import { trainRoutes } from './server/routes/train.js';
import { uiRoutes } from './server/routes/ui.js';
import { createHttpServer } from './server/server.js';
import { SessionTracker } from './sessions/tracker.js';
import { createSkills, type SkillsRuntime } from './skills/runtime.js';
import { type Checkpointer, startCheckpointer } from './store/checkpointer.js';
import { type Db, openStore } from './store/db.js';
import { JobQueue } from './store/jobs.js';
import { startRetention } from './store/retention.js';
import { RewardRepository } from './store/rewards.js';
import { SessionRepository } from './store/sessions.js';
import { TurnRepository } from './store/turns.js';
import { StoreHealth } from './store/write-health.js';
import { HttpBackend } from './upstream/http-backend.js';
import type { PolicyBackend } from './upstream/policy-backend.js';
import type { ServingBackend } from './upstream/types.js';
import { VERSION } from './version.js';

export type { AppOptions, OptionalModules } from './app-options.js';

/**
 * The composition root: builds every component from the config, wires them, starts and stops
 * them. Nothing else constructs long-lived components.
 */
export class App {
  readonly db: Db;
  readonly sessions: SessionRepository;
  readonly turns: TurnRepository;
  readonly tracker: SessionTracker;
  readonly recorder: TurnRecorder;
  readonly rewards: RewardRepository;
  readonly jobs: JobQueue;
  readonly runner: JobRunner;
  readonly learning: Learning;
  readonly router = new Router();
  /** Live dashboard events (SSE at /v1/admin/events). */
  readonly adminEvents = new AdminEventBus();
  readonly log: Logger;
  readonly upstream: ResolvedUpstream | null;
  readonly skills: SkillsRuntime;
  /** The config file, kept in step while running: live keys applied, the rest "restart needed". */
  readonly liveConfig: LiveConfig;
  /** Opportunistic training windows; null when `scheduler.enabled` is false. */
  readonly scheduler: Scheduler | null;
  /** RL on the trainable policy; null unless `rl.enabled`. */
  readonly rl: RlRuntime | null;
  private backend: ServingBackend | null;
  /** Set in `serving.mode: policy`; its setSampler() puts new weights live. */
  private policyBackend: PolicyBackend | null = null;
  private injector: PromptInjector = noInjection;
  private server: http.Server | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private checkpointer: Checkpointer | null = null;
  private retention: { stop(): void } | null = null;
  private readonly inflight = { n: 0 };
  private draining = false;
  private lastActivityAt = 0;
  private readonly startedAt = Date.now();
  url = '';

  /** Load the optional components' code that the config enables, then build the app. */
  static async create(opts: AppOptions): Promise<App> {
    return new App({ ...opts, optional: opts.optional ?? (await loadOptionalModules(opts.loaded.config)) });
  }

  constructor(readonly opts: AppOptions) {
    const { config } = opts.loaded;
    this.log = opts.log ?? createLogger({ level: config.logging.level, format: config.logging.format });
    this.db = openStore(storePath(opts.loaded));
    this.sessions = new SessionRepository(this.db);
    this.turns = new TurnRepository(this.db);
    this.tracker = new SessionTracker(this.sessions, this.db, config.sessions.idle_timeout_s * 1000);
    this.recorder = new TurnRecorder(
      this.turns,
      this.log,
      new StoreHealth(),
      config.store.on_write_error === 'fail',
    );
    this.rewards = new RewardRepository(this.db);
    this.jobs = new JobQueue(this.db);
    this.runner = new JobRunner(this.jobs, this.log);
    this.upstream = resolveUpstream(config, opts.env ?? process.env);
    this.backend = this.upstream
      ? new HttpBackend({
          upstream: this.upstream,
          timeoutMs: config.upstream.timeout_ms,
          connectTimeoutMs: config.upstream.connect_timeout_ms,
          maxRetries: config.upstream.max_retries,
          maxRetryWaitMs: config.upstream.max_retry_wait_ms,
          anthropicVersion: config.upstream.anthropic_version,
          responsesApi: config.upstream.responses_api,
          maxResponseBytes: config.upstream.max_response_bytes,
        })
      : null;

    this.skills = createSkills({ loaded: opts.loaded, db: this.db, log: this.log, env: opts.env });
    if (this.skills.injector) {
      this.setInjector(this.skills.injector);
      // A task's pinned skills live as long as its session.
      const pins = this.skills.injector.pins;
      this.tracker.onEnded((id) => pins.forgetSession(id));
    }

    const proxyDeps: ProxyDeps = {
      backend: () => this.backend,
      tracker: this.tracker,
      recorder: this.recorder,
      injector: () => this.injector,
      bodyLimit: config.proxy.body_limit_bytes,
      log: this.log,
      onActivity: (now) => {
        this.lastActivityAt = now;
      },
      inflight: this.inflight,
      // Policy serving has one model: the map is for HTTP upstreams.
      modelMap: () => (this.policyBackend ? undefined : config.upstream.model_map),
    };
    this.router.add(
      ...healthRoutes({
        version: VERSION,
        db: this.db,
        storeWrites: this.recorder.health,
        upstreamName: () => this.backend?.name ?? null,
        ready: () => this.server !== null && !this.draining,
        startedAt: this.startedAt,
      }),
      ...llmRoutes(proxyDeps),
      ...adminSessionEndRoutes({ tracker: this.tracker, sessions: this.sessions }),
      ...adminSessionStartRoutes({ tracker: this.tracker, sessions: this.sessions }),
      ...this.skills.routes,
      ...uiRoutes(),
    );
    this.learning = wireLearning({
      config,
      env: opts.env ?? process.env,
      db: this.db,
      log: this.log,
      jobs: this.jobs,
      runner: this.runner,
      turns: this.turns,
      rewards: this.rewards,
      recorder: this.recorder,
      tracker: this.tracker,
      library: config.skills.enabled ? this.skills.library : null,
      injector: this.skills.injector,
      backend: () => this.backend,
    });
    this.liveConfig = new LiveConfig(
      opts.loaded,
      liveTargets({ log: this.log, injector: this.skills.injector, learning: this.learning, config }),
      this.log,
      opts.env ?? process.env,
    );
    this.router.add(...liveConfigRoutes(this.liveConfig));
    this.router.add(
      ...feedbackRoutes({
        turns: this.turns,
        rewards: this.rewards,
        onFeedback: (turnId, score) => this.learning.feedback(turnId, score),
      }),
    );
    // The dashboard API (docs/admin-api.md): its shapes are supersets of the older admin routes'.
    this.router.add(
      ...adminApiRoutes({
        loaded: opts.loaded,
        db: this.db,
        log: this.log,
        sessions: this.sessions,
        turns: this.turns,
        rewards: this.rewards,
        recorder: this.recorder,
        tracker: this.tracker,
        skills: this.skills,
        learning: this.learning,
        liveConfig: this.liveConfig,
        rl: () => this.rl,
        scheduler: () => this.scheduler,
        events: this.adminEvents,
      }),
    );

    // Optional components, last: they use the store, the library and the router built above.
    const env = opts.env ?? process.env;
    const optional = opts.optional ?? {};
    const missing = (what: string) =>
      new Error(`${what} is enabled but its code was not loaded: build the app with App.create()`);
    if (config.scheduler.enabled && !optional.scheduler) throw missing('scheduler');
    if (config.rl.enabled && !optional.rl) throw missing('rl');
    this.scheduler =
      (config.scheduler.enabled &&
        optional.scheduler?.wireScheduler({
          config,
          home: opts.loaded.home,
          db: this.db,
          lastRequestAt: () => this.lastActivityAt,
          log: this.log,
        })) ||
      null;
    this.rl =
      (config.rl.enabled &&
        optional.rl?.wireRl({
          config,
          env,
          db: this.db,
          log: this.log,
          currentGeneration: () => this.skills.library.current().generation,
        })) ||
      null;
    if (this.rl) {
      this.router.add(...trainRoutes(this.rl));
      publishTrainingSteps(this.db, this.adminEvents, this.rl.trainer);
    }
  }

  /** Time of the last proxied request (ms since epoch; 0 = none since start). */
  get lastRequestAt(): number {
    return this.lastActivityAt;
  }

  /** Proxied requests in flight now. */
  get inflightRequests(): number {
    return this.inflight.n;
  }

  /** Swap the skill injector atomically: the next request uses the new one. */
  setInjector(injector: PromptInjector): void {
    this.injector = injector;
  }

  /** Swap the serving backend atomically (e.g. a new policy sampler); in-flight calls finish on the old one. */
  setBackend(backend: ServingBackend | null): void {
    this.backend = backend;
  }

  /** The trainable policy serving requests, when `serving.mode` is policy. */
  get policy(): PolicyBackend | null {
    return this.policyBackend;
  }

  async start(): Promise<void> {
    const { config } = this.opts.loaded;
    if (config.serving.mode === 'policy') await this.startPolicy();
    this.skills.start();
    const server = createHttpServer({
      router: this.router,
      apiKey: config.proxy.api_key,
      log: this.log,
      limits: {
        headersTimeoutMs: config.proxy.headers_timeout_ms,
        requestTimeoutMs: config.proxy.request_timeout_ms,
        keepAliveTimeoutMs: config.proxy.keep_alive_timeout_ms,
        maxConnections: config.proxy.max_connections,
      },
    });
    const port = this.opts.port ?? config.proxy.port;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        server.off('listening', onListening);
        reject(
          err.code === 'EADDRINUSE'
            ? new Error(
                `port ${port} on ${config.proxy.host} is already in use (another MetaClaw or program); choose another with --port or proxy.port`,
              )
            : err.code === 'EADDRNOTAVAIL'
              ? new Error(`cannot bind ${config.proxy.host}: no such address on this machine (proxy.host)`)
              : err,
        );
      };
      const onListening = () => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(port, config.proxy.host);
    });
    this.server = server;
    const addr = server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.url = `http://${host}:${addr.port}`;
    const sweepEvery = Math.max(1000, Math.min(30_000, (config.sessions.idle_timeout_s * 1000) / 4));
    this.sweepTimer = setInterval(() => this.tracker.sweepIdle(), sweepEvery);
    this.sweepTimer.unref();
    this.checkpointer = startCheckpointer(this.db, {
      inflight: () => this.inflight.n,
      lastActivityAt: () => this.lastActivityAt,
      onError: (message) => this.log.warn({ message }, 'store checkpoint failed'),
    });
    this.retention = startRetention(
      this.db,
      () => ({
        days: config.store.retention_days,
        keepSessions: config.store.retention_keep_sessions,
        keepUnjudged: config.judge.enabled,
      }),
      (r) =>
        r.ok
          ? r.turns > 0 && this.log.info(r, 'store retention removed the bodies of old sessions')
          : this.log.warn({ error: r.error }, 'store retention failed'),
    );
    this.runner.start();
    this.liveConfig.start();
    this.scheduler?.start();
    this.rl?.start({
      setSampler: (sampler) => this.policyBackend?.setSampler(sampler),
      scheduler: this.scheduler,
    });
    this.log.info(
      { url: this.url, upstream: this.backend?.name ?? null, version: VERSION },
      'MetaClaw proxy listening',
    );
    if (!this.backend) this.log.warn('no upstream configured: LLM requests will get 503 until one is set');
  }

  private async startPolicy(): Promise<void> {
    const factory = this.opts.policySampler ?? this.rl?.samplerFactory;
    if (!factory) {
      throw new ConfigError(
        'serving.mode is policy, which samples from the Tinker-protocol service of rl.*: set rl.enabled, rl.base_model and the key (rl.api_key or TINKER_API_KEY), or serving.mode: upstream',
        'serving.mode',
      );
    }
    const { loaded } = this.opts;
    const { buildPolicyBackend } = await import('./learning/policy/build-backend.js');
    const policy = await buildPolicyBackend({
      config: loaded.config,
      home: loaded.home,
      env: this.opts.env ?? process.env,
      log: this.log,
      samplerFactory: factory,
      fetchFn: this.opts.fetchFn,
    });
    // The HTTP upstream may still judge and evolve (they have their own clients); it no longer serves.
    await this.backend?.close().catch(() => {});
    this.policyBackend = policy;
    this.setBackend(policy);
  }

  /** Graceful stop: refuse new connections, let in-flight requests finish up to `graceMs`. */
  async stop(graceMs = this.opts.loaded.config.proxy.shutdown_grace_ms): Promise<void> {
    this.draining = true;
    this.liveConfig.stop();
    this.retention?.stop();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const server = this.server;
    const jobsStopped = this.runner.stop(Math.min(graceMs, 5000));
    const schedulerStopped = this.scheduler?.stop(
      this.opts.loaded.config.scheduler.preempt_grace_seconds * 1000,
    );
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (this.inflight.n > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      server.closeAllConnections();
      await closed;
      this.server = null;
    }
    await jobsStopped;
    await this.checkpointer?.stop();
    await schedulerStopped;
    await this.rl?.stop();
    await this.backend?.close().catch(() => {});
    this.skills.stop();
    this.db.close();
    this.log.info('MetaClaw proxy stopped');
  }
}
