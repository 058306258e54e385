import type { Logger } from 'pino';
import type { SchedulerEventRepository } from '../store/scheduler-events.js';
import { type Decision, decide } from './decision.js';
import { readSignals } from './read.js';
import {
  type Clock,
  type Override,
  type SchedulerState,
  type SignalReading,
  systemClock,
  type TrainerPort,
  type TrainRunResult,
  type WindowSignal,
} from './types.js';

export interface SchedulerOptions {
  signals: WindowSignal[];
  events: SchedulerEventRepository;
  override: { read(): Promise<Override | null> };
  trainer?: TrainerPort | null;
  clock?: Clock;
  minWindowMs: number;
  tickMs: number;
  /** Upper bound on one signal read; a slow signal reads as unavailable, it never stalls a tick. */
  signalTimeoutMs: number;
  /** After a trainer error, wait this long before starting it again. */
  errorBackoffMs: number;
  log?: Logger;
  /** Called after every evaluation (e.g. to publish a status snapshot). */
  onDecision?: (d: Decision, state: SchedulerState) => void;
}

export interface SchedulerSnapshot {
  state: SchedulerState;
  since: number;
  decision: Decision | null;
  trainer: boolean;
  lastError: string | null;
}

type Listener = (from: SchedulerState, to: SchedulerState, reason: string) => void;

/**
 * idle_wait → window_open → training → preempting → idle_wait. Every transition is a row in
 * `scheduler_events` before it takes effect; the state survives restarts. The scheduler only
 * starts and stops background training: it never touches the serving path.
 */
export class Scheduler {
  private state: SchedulerState = 'idle_wait';
  private since: number;
  private trainer: TrainerPort | null;
  private run: { controller: AbortController; done: Promise<void> } | null = null;
  private ticking: Promise<Decision> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastDecision: Decision | null = null;
  private lastError: string | null = null;
  private backoffUntil = 0;
  private stopped = false;
  private readonly clock: Clock;
  private readonly listeners = new Set<Listener>();
  private readonly signalErrors = new Map<string, string>();

  constructor(private readonly opts: SchedulerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.trainer = opts.trainer ?? null;
    this.since = this.clock.now();
    this.restore();
  }

  /** Resume the persisted state; a run cut off by a crash or kill is recorded as ended. */
  private restore(): void {
    const last = this.opts.events.last();
    if (!last) return;
    this.state = last.to;
    this.since = last.at;
    if (last.to === 'training' || last.to === 'preempting') this.transition('idle_wait', 'restart');
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => void this.tick().catch(() => {}), this.opts.tickMs);
    this.timer.unref();
    void this.tick().catch(() => {});
  }

  /** Attach the trainer (the RL issue builds it after the scheduler). */
  setTrainer(trainer: TrainerPort | null): void {
    this.trainer = trainer;
  }

  /** Be told about every transition (e.g. to gate other heavy background work). */
  onTransition(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Whether heavy background work may run now. */
  windowOpen(): boolean {
    return this.state === 'window_open' || this.state === 'training';
  }

  snapshot(): SchedulerSnapshot {
    return {
      state: this.state,
      since: this.since,
      decision: this.lastDecision,
      trainer: this.trainer !== null,
      lastError: this.lastError,
    };
  }

  /** Evaluate the signals once and act on the decision. Concurrent calls share one evaluation. */
  tick(): Promise<Decision> {
    this.ticking ??= this.evaluate().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async evaluate(): Promise<Decision> {
    const now = this.clock.now();
    const [readings, override] = await Promise.all([
      readSignals(this.opts.signals, now, this.opts.signalTimeoutMs),
      this.opts.override.read(),
    ]);
    const decision = decide({
      readings,
      now,
      minWindowMs: this.opts.minWindowMs,
      override,
      currentlyOpen: this.state !== 'idle_wait',
    });
    this.lastDecision = decision;
    this.reportSignalErrors(readings);
    if (!this.stopped) await this.act(decision);
    this.opts.onDecision?.(decision, this.state);
    return decision;
  }

  /** Fail loud, once per change: a broken calendar or idle probe is a warning, not a silent closed window. */
  private reportSignalErrors(readings: SignalReading[]): void {
    for (const r of readings) {
      const prev = this.signalErrors.get(r.signal);
      if ((r.error ?? null) === (prev ?? null)) continue;
      if (r.error)
        this.opts.log?.warn({ signal: r.signal, err: r.error }, 'scheduler: signal unavailable or degraded');
      else this.opts.log?.info({ signal: r.signal }, 'scheduler: signal recovered');
      if (r.error) this.signalErrors.set(r.signal, r.error);
      else this.signalErrors.delete(r.signal);
    }
  }

  private async act(d: Decision): Promise<void> {
    if (this.state === 'idle_wait' && d.open) this.transition('window_open', d.reason);
    else if (this.state === 'window_open' && !d.open) return this.transition('idle_wait', d.reason);
    else if (this.state === 'training' && !d.open) return this.preempt(d.reason);
    if (this.state === 'window_open') await this.maybeTrain();
  }

  private async maybeTrain(): Promise<void> {
    const trainer = this.trainer;
    if (!trainer || this.clock.now() < this.backoffUntil) return;
    let work: boolean;
    try {
      work = await trainer.hasWork();
    } catch (err) {
      this.trainerFailed(`hasWork: ${(err as Error).message}`);
      return;
    }
    // The window may have closed (or a stop begun) while we asked.
    if (!work || this.state !== 'window_open' || this.stopped) return;
    this.transition('training', 'window open and the trainer has work');
    const controller = new AbortController();
    const done = trainer.runUntil(controller.signal).then(
      (r) => this.runEnded(r),
      (err: unknown) => this.runFailed(err),
    );
    this.run = { controller, done };
  }

  private preempt(reason: string): void {
    this.transition('preempting', reason);
    this.run?.controller.abort(new Error(`preempted: ${reason}`));
  }

  private runEnded(r: TrainRunResult): void {
    this.run = null;
    if (this.stopped && this.state !== 'preempting') return;
    const summary = `${r.steps} step(s)${r.checkpoint ? `, checkpoint ${r.checkpoint}` : ''}${r.detail ? `: ${r.detail}` : ''}`;
    if (this.state === 'preempting') this.transition('idle_wait', `preempted after ${summary}`);
    else if (this.state === 'training') this.transition('window_open', `run finished after ${summary}`);
  }

  private runFailed(err: unknown): void {
    this.run = null;
    const msg = err instanceof Error ? err.message : String(err);
    this.trainerFailed(msg);
    if (this.state === 'preempting') this.transition('idle_wait', `preempted; trainer failed: ${msg}`);
    else if (this.state === 'training') this.transition('window_open', `trainer failed: ${msg}`);
  }

  private trainerFailed(msg: string): void {
    this.lastError = msg;
    this.backoffUntil = this.clock.now() + this.opts.errorBackoffMs;
    this.opts.log?.error({ err: msg }, 'scheduler: trainer failed; retrying after backoff');
  }

  private transition(to: SchedulerState, reason: string): void {
    const from = this.state;
    if (from === to) return;
    const at = this.clock.now();
    try {
      this.opts.events.record(at, from, to, reason);
    } catch (err) {
      // The store is gone (shutting down): keep the old state; a restart recovers from the last row.
      this.opts.log?.error({ err: (err as Error).message, from, to }, 'scheduler: cannot record transition');
      return;
    }
    this.state = to;
    this.since = at;
    this.opts.log?.info({ from, to, reason }, 'scheduler transition');
    for (const fn of this.listeners) fn(from, to, reason);
  }

  /**
   * Stop ticking; a training run is preempted and given up to `graceMs` to finish its remote
   * operation and checkpoint. One that takes longer is left to the restart recovery.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Preempt first (synchronously): an evaluation in flight sees `stopped` and starts nothing.
    if (this.state === 'training') this.preempt('shutdown');
    await this.ticking?.catch(() => {});
    const run = this.run;
    if (!run) return;
    let t: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      run.done.then(() => false),
      new Promise<boolean>((r) => {
        t = setTimeout(() => r(true), graceMs);
      }),
    ]);
    clearTimeout(t);
    if (late)
      this.opts.log?.warn({ graceMs }, 'scheduler: trainer did not stop in time; the restart will recover');
  }
}
