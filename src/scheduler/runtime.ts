import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { resolveUnderHome } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import { SchedulerEventRepository } from '../store/scheduler-events.js';
import { SessionRepository } from '../store/sessions.js';
import { CalendarFeeds, fileFeedCache } from './calendar/feeds.js';
import { CalendarSignal } from './calendar/signal.js';
import { type CommandRunner, execFileRunner } from './command-runner.js';
import type { Decision } from './decision.js';
import { OverrideFile } from './override.js';
import { Scheduler } from './scheduler.js';
import { ProxyActivitySignal } from './signals/proxy-activity.js';
import { SleepSignal } from './signals/sleep.js';
import { idleMethods, SystemIdleSignal } from './signals/system-idle.js';
import type { SchedulerState, TrainerPort, WindowSignal } from './types.js';

const MIN = 60_000;

export interface SignalDeps {
  home: string;
  lastRequestAt: () => number | null;
  runner?: CommandRunner;
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

/** The enabled signals, built from `scheduler.*` (used by the service and by the CLI alike). */
export function buildSignals(config: Config, deps: SignalDeps): WindowSignal[] {
  const s = config.scheduler;
  const signals: WindowSignal[] = [];
  if (s.sleep_enabled)
    signals.push(new SleepSignal({ start: s.sleep_start, end: s.sleep_end, timeZone: s.timezone }));
  if (s.idle_enabled) {
    signals.push(
      new SystemIdleSignal({
        runner: deps.runner ?? execFileRunner,
        methods: idleMethods(deps.platform ?? process.platform, deps.env ?? process.env),
        thresholdMs: s.idle_threshold_minutes * MIN,
        // Leave the signal's own budget room to try the next method.
        timeoutMs: Math.max(500, Math.floor(s.signal_timeout_ms / 3)),
      }),
    );
  }
  signals.push(
    new ProxyActivitySignal({
      lastRequestAt: deps.lastRequestAt,
      idleMs: s.proxy_idle_minutes > 0 ? s.proxy_idle_minutes * MIN : Number.POSITIVE_INFINITY,
      vetoMs: s.active_veto_minutes * MIN,
    }),
  );
  if (s.calendar.ics.length > 0) {
    const feeds = new CalendarFeeds({
      // A scheme of two letters or more is a URL (`C:\…` is a Windows path).
      sources: s.calendar.ics.map((src) =>
        /^[a-z][a-z0-9+.-]+:/i.test(src) ? src : resolveUnderHome(deps.home, src),
      ),
      refreshMs: s.calendar.refresh_minutes * MIN,
      timeoutMs: s.calendar.timeout_ms,
      cache: fileFeedCache(path.join(deps.home, 'scheduler', 'calendar-cache')),
      timeZone: s.timezone,
      fetch: deps.fetch,
    });
    signals.push(
      new CalendarSignal({
        feeds,
        keywords: s.calendar.keywords,
        includeAllDay: s.calendar.include_all_day,
        lookaheadMs: s.calendar.lookahead_hours * 3600_000,
        timeZone: s.timezone,
        refreshWaitMs: Math.floor(s.signal_timeout_ms * 0.8),
      }),
    );
  }
  return signals;
}

/** Last proxied request on record: the latest session activity in the store. */
export function lastActivityFromStore(db: Db): number | null {
  return new SessionRepository(db).lastActivityAt();
}

/** What the service last saw, for `metaclaw status` in another process. */
export interface StatusSnapshot {
  at: number;
  state: SchedulerState;
  open: boolean;
  reason: string;
  until: number | null;
  errors: string[];
}

export function snapshotFile(home: string): string {
  return path.join(home, 'scheduler', 'status.json');
}

export interface WireDeps {
  config: Config;
  home: string;
  db: Db;
  /** In-memory time of the last proxied request (0 = none since start). */
  lastRequestAt: () => number;
  log?: Logger;
  trainer?: TrainerPort | null;
}

/**
 * Build the scheduler for the service. Returns null when `scheduler.enabled` is false: the
 * service then never trains on its own (the CLI can still explain what it would do).
 */
export function wireScheduler(deps: WireDeps): Scheduler | null {
  const s = deps.config.scheduler;
  if (!s.enabled) return null;
  let storeActivity: number | null | undefined;
  const lastRequestAt = () => {
    const mem = deps.lastRequestAt();
    if (mem > 0) return mem;
    // Nothing since this start: fall back to the store once (activity before a restart).
    storeActivity ??= lastActivityFromStore(deps.db);
    return storeActivity;
  };
  const snapFile = snapshotFile(deps.home);
  let lastSnap = '';
  return new Scheduler({
    signals: buildSignals(deps.config, { home: deps.home, lastRequestAt }),
    events: new SchedulerEventRepository(deps.db),
    override: OverrideFile.under(deps.home),
    trainer: deps.trainer ?? null,
    minWindowMs: s.min_window_minutes * MIN,
    tickMs: s.tick_seconds * 1000,
    signalTimeoutMs: s.signal_timeout_ms,
    errorBackoffMs: s.error_backoff_minutes * MIN,
    log: deps.log?.child({ component: 'scheduler' }),
    onDecision: (d, state) => {
      const text = JSON.stringify(toSnapshot(d, state));
      if (text === lastSnap) return;
      lastSnap = text;
      void writeSnapshot(snapFile, text).catch((err: Error) =>
        deps.log?.warn({ err: err.message }, 'scheduler: cannot write status snapshot'),
      );
    },
  });
}

function toSnapshot(d: Decision, state: SchedulerState): Omit<StatusSnapshot, 'at'> {
  const errors = d.readings.flatMap((r) => (r.error ? [`${r.signal}: ${r.error}`] : []));
  return { state, open: d.open, reason: d.reason, until: d.until, errors };
}

async function writeSnapshot(file: string, text: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, JSON.stringify({ at: Date.now(), ...JSON.parse(text) }));
  await fs.promises.rename(tmp, file);
}

export type { Scheduler } from './scheduler.js';
