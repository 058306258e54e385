import fs from 'node:fs';
import type { Command } from 'commander';
import { type LoadedConfig, storePath } from '../config/load.js';
import { type Decision, decide, explain, nextWindow } from '../scheduler/decision.js';
import { OverrideFile } from '../scheduler/override.js';
import { readSignals } from '../scheduler/read.js';
import {
  buildSignals,
  lastActivityFromStore,
  type StatusSnapshot,
  snapshotFile,
} from '../scheduler/runtime.js';
import { formatLocal } from '../scheduler/time.js';
import type { Override, SchedulerState } from '../scheduler/types.js';
import { openStore } from '../store/db.js';
import { type SchedulerEvent, SchedulerEventRepository } from '../store/scheduler-events.js';
import { CliError, type GlobalOptions, loadOrExit, printJson } from './context.js';
import { formatTime } from './format.js';
import { addStatusSection } from './status.js';

interface Persisted {
  state: SchedulerState;
  since: number | null;
  reason: string | null;
  events: SchedulerEvent[];
  lastRequestAt: number | null;
}

/** State and history from the store (read-only use; no store yet = nothing happened). */
function persisted(loaded: LoadedConfig, limit = 1): Persisted {
  const file = storePath(loaded);
  if (!fs.existsSync(file))
    return { state: 'idle_wait', since: null, reason: null, events: [], lastRequestAt: null };
  const db = openStore(file);
  try {
    const events = new SchedulerEventRepository(db).list({ limit });
    const last = events[0];
    return {
      state: last?.to ?? 'idle_wait',
      since: last?.at ?? null,
      reason: last?.reason ?? null,
      events,
      lastRequestAt: lastActivityFromStore(db),
    };
  } finally {
    db.close();
  }
}

function serviceSnapshot(home: string): StatusSnapshot | null {
  try {
    return JSON.parse(fs.readFileSync(snapshotFile(home), 'utf8')) as StatusSnapshot;
  } catch {
    return null;
  }
}

/** Evaluate the signals now, in this process, exactly as the service would. */
async function evaluate(loaded: LoadedConfig): Promise<{ decision: Decision; p: Persisted }> {
  const s = loaded.config.scheduler;
  const p = persisted(loaded);
  const now = Date.now();
  const signals = buildSignals(loaded.config, { home: loaded.home, lastRequestAt: () => p.lastRequestAt });
  const [readings, override] = await Promise.all([
    readSignals(signals, now, s.signal_timeout_ms),
    OverrideFile.under(loaded.home).read(),
  ]);
  const decision = decide({
    readings,
    now,
    minWindowMs: s.min_window_minutes * 60_000,
    override,
    currentlyOpen: p.state !== 'idle_wait',
  });
  return { decision, p };
}

function statusOf(loaded: LoadedConfig) {
  const p = persisted(loaded);
  const override = OverrideFile.under(loaded.home).readSync();
  const active = override && (override.until === null || override.until > Date.now()) ? override : null;
  const snap = serviceSnapshot(loaded.home);
  return {
    enabled: loaded.config.scheduler.enabled,
    state: p.state,
    since: p.since ? formatTime(p.since) : null,
    reason: p.reason,
    override: active ? { mode: active.mode, until: active.until ? formatTime(active.until) : null } : null,
    last_seen_by_service: snap
      ? { at: formatTime(snap.at), open: snap.open, reason: snap.reason, errors: snap.errors }
      : null,
  };
}

export function registerScheduler(program: Command): void {
  addStatusSection(() => {
    const st = statusOf(loadOrExit(program.opts() as GlobalOptions));
    const errors = st.last_seen_by_service?.errors ?? [];
    return {
      scheduler: {
        enabled: st.enabled,
        state: st.state,
        since: st.since,
        override: st.override?.mode ?? null,
        errors,
      },
    };
  });
  const sched = program
    .command('scheduler')
    .description('opportunistic training windows: sleep, idle, calendar');
  const loaded = (cmd: Command) => loadOrExit(cmd.optsWithGlobals() as GlobalOptions);

  sched
    .command('status')
    .description('persisted state, override and what the service last saw')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const st = statusOf(loaded(cmd));
      if (opts.json) return printJson(st);
      console.log(`scheduler ${st.enabled ? 'enabled' : 'disabled (scheduler.enabled: false)'}`);
      console.log(
        `  state:    ${st.state}${st.since ? ` since ${st.since}` : ''}${st.reason ? ` (${st.reason})` : ''}`,
      );
      if (st.override)
        console.log(
          `  override: forced ${st.override.mode}${st.override.until ? ` until ${st.override.until}` : ''}`,
        );
      const seen = st.last_seen_by_service;
      if (seen)
        console.log(`  service:  window ${seen.open ? 'open' : 'closed'} at ${seen.at}: ${seen.reason}`);
      for (const e of seen?.errors ?? []) console.log(`  error:    ${e}`);
    });

  sched
    .command('explain')
    .description('read every signal now and say whether a window is open, and why')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const l = loaded(cmd);
      const { decision, p } = await evaluate(l);
      if (opts.json) return printJson({ state: p.state, ...decision });
      console.log(`state ${p.state}`);
      console.log(explain(decision, l.config.scheduler.timezone));
    });

  sched
    .command('next-window')
    .description('when the next window is predicted to open')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const l = loaded(cmd);
      const { decision } = await evaluate(l);
      const next = nextWindow(decision, l.config.scheduler.min_window_minutes * 60_000);
      if (opts.json) return printJson(next);
      const tz = l.config.scheduler.timezone;
      if (next.at === null) return console.log(`no window foreseen: ${next.note}`);
      const until = next.until === null ? 'open-ended' : `until ${formatLocal(next.until, tz)}`;
      console.log(
        `${next.at <= decision.at ? 'now' : formatLocal(next.at, tz)} (${next.source}), ${until}; ${next.note}`,
      );
    });

  sched
    .command('events')
    .description('recorded state transitions, newest first')
    .option('--json', 'machine-readable output')
    .option('--limit <n>', 'how many', '20')
    .action((opts: { json?: boolean; limit: string }, cmd: Command) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit <= 0) throw new CliError('--limit must be a positive integer', 2);
      const { events } = persisted(loaded(cmd), limit);
      if (opts.json) return printJson(events);
      if (events.length === 0) return console.log('no scheduler transitions recorded yet');
      for (const e of events) console.log(`${formatTime(e.at)}  ${e.from} → ${e.to}  ${e.reason}`);
    });

  sched
    .command('force <mode>')
    .description(
      'force the window open or closed (the running service sees it on its next tick); auto = clear',
    )
    .option('--for <minutes>', 'expire the override after this many minutes')
    .option('--json', 'machine-readable output')
    .action((mode: string, opts: { for?: string; json?: boolean }, cmd: Command) => {
      if (mode !== 'open' && mode !== 'closed' && mode !== 'auto')
        throw new CliError('mode must be open, closed or auto', 2);
      const minutes = opts.for === undefined ? null : Number(opts.for);
      if (minutes !== null && !(minutes > 0))
        throw new CliError('--for must be a positive number of minutes', 2);
      const file = OverrideFile.under(loaded(cmd).home);
      const now = Date.now();
      const override: Override | null =
        mode === 'auto'
          ? null
          : { mode, setAt: now, until: minutes === null ? null : now + minutes * 60_000 };
      file.write(override);
      if (opts.json) return printJson({ mode, until: override?.until ?? null });
      console.log(
        mode === 'auto'
          ? 'scheduler back to automatic'
          : `window forced ${mode}${override?.until ? ` until ${formatTime(override.until)}` : ' until `metaclaw scheduler force auto`'}`,
      );
    });
}
