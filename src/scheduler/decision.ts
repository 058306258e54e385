import { mergeIntervals } from './calendar/signal.js';
import { formatLocal, formatMinutes } from './time.js';
import type { Interval, Override, SignalReading } from './types.js';

export interface DecisionInput {
  readings: SignalReading[];
  now: number;
  minWindowMs: number;
  override: Override | null;
  /**
   * A window is already open (or training). The minimum length applies to opening only: an open
   * window stays open while its signals hold, instead of closing `min_window` before its end.
   */
  currentlyOpen: boolean;
}

export interface Decision {
  at: number;
  open: boolean;
  reason: string;
  /** Predicted end of the window when open (ms); null = open-ended. */
  until: number | null;
  openedBy: string[];
  forced: Override['mode'] | null;
  readings: SignalReading[];
}

/** The override in force at `now`, if any (an expired one counts as `auto`). */
export function activeOverride(o: Override | null, now: number): Override | null {
  return o && (o.until === null || o.until > now) ? o : null;
}

/**
 * Pure window decision: forced mode first, then the active-user veto, then the opening signals
 * (proxy inactivity only when no system-idle reading is available), then the predicted length.
 */
export function decide(input: DecisionInput): Decision {
  const { readings, now } = input;
  const base = { at: now, readings, forced: null, openedBy: [] as string[], until: null };
  const override = activeOverride(input.override, now);
  if (override) {
    const till = override.until ? ` until ${new Date(override.until).toISOString()}` : '';
    return {
      ...base,
      forced: override.mode,
      open: override.mode === 'open',
      until: override.until,
      reason: `forced ${override.mode}${till}`,
    };
  }
  const veto = readings.find((r) => r.veto);
  if (veto) return { ...base, open: false, reason: `veto (${veto.signal}): ${veto.detail}` };

  const openers = openingSignals(readings);
  if (openers.length === 0) {
    const why = readings.map((r) => `${r.signal}: ${r.detail}`).join('; ');
    return { ...base, open: false, reason: `no signal opens a window (${why || 'no signals enabled'})` };
  }
  const until = predictEnd(openers, readings);
  const names = openers.map((r) => r.signal);
  const remaining = until === null ? Number.POSITIVE_INFINITY : until - now;
  const span = until === null ? 'open-ended' : `${formatMinutes(remaining)} left`;
  if (!input.currentlyOpen && remaining < input.minWindowMs) {
    return {
      ...base,
      openedBy: names,
      until,
      open: false,
      reason: `${names.join(' + ')} open but predicted window ${formatMinutes(remaining)} < min_window_minutes ${formatMinutes(input.minWindowMs)}`,
    };
  }
  return {
    ...base,
    open: true,
    openedBy: names,
    until,
    reason: `window open by ${names.join(' + ')} (${span})`,
  };
}

function openingSignals(readings: SignalReading[]): SignalReading[] {
  const idleAvailable = readings.some((r) => r.role === 'idle' && r.open !== null);
  return readings.filter((r) => r.open === true && (r.role !== 'idle-fallback' || !idleAvailable));
}

/**
 * When will the window end? Schedule signals know (sleep end, event end); idle windows last
 * until the next calendar commitment, or are open-ended. Every opener contains `now`, so the
 * window is their union up to the latest end, extended by upcoming windows that start before it
 * ends (sleep running into an early meeting, back-to-back meetings).
 */
export function predictEnd(openers: SignalReading[], readings: SignalReading[]): number | null {
  const commitments = readings.flatMap((r) => (r.nextCommitmentAt ? [r.nextCommitmentAt] : []));
  const nextCommitment = commitments.length ? Math.min(...commitments) : null;
  let end = Number.NEGATIVE_INFINITY;
  for (const r of openers) {
    const e = r.role === 'schedule' ? r.until : nextCommitment;
    if (e === null) return null;
    end = Math.max(end, e);
  }
  for (const w of upcomingWindows(readings)) if (w.start <= end && w.end > end) end = w.end;
  return end;
}

function upcomingWindows(readings: SignalReading[]): Interval[] {
  return mergeIntervals(readings.filter((r) => r.role === 'schedule').flatMap((r) => r.upcoming ?? []));
}

export interface NextWindow {
  /** When the next window is predicted to open (ms); null = none foreseen. */
  at: number | null;
  until: number | null;
  source: string;
  note: string;
}

/**
 * The next window the schedule signals foresee that is at least `minWindowMs` long. Idle
 * windows cannot be foreseen; the note says so.
 */
export function nextWindow(decision: Decision, minWindowMs: number): NextWindow {
  const idleNote = 'system idle or proxy inactivity may open one earlier';
  if (decision.open)
    return {
      at: decision.at,
      until: decision.until,
      source: decision.openedBy.join(' + ') || 'forced',
      note: 'open now',
    };
  if (decision.forced === 'closed') return { at: null, until: null, source: 'forced', note: decision.reason };
  const now = decision.at;
  const current = decision.readings
    .filter((r) => r.role === 'schedule' && r.open && r.until !== null)
    .map((r) => ({ start: now, end: r.until!, label: r.signal }));
  const labelled = decision.readings
    .filter((r) => r.role === 'schedule')
    .flatMap((r) => (r.upcoming ?? []).map((w) => ({ ...w, label: r.signal })));
  const merged = mergeIntervals([...current, ...labelled]);
  for (const w of merged) {
    const start = Math.max(w.start, now);
    if (w.end - start < minWindowMs) continue;
    // A window open right now but vetoed can only start once the user stops being active.
    if (start === now && decision.readings.some((r) => r.veto)) continue;
    return { at: start, until: w.end, source: w.label ?? 'schedule', note: idleNote };
  }
  return { at: null, until: null, source: 'none', note: `no sleep or calendar window foreseen; ${idleNote}` };
}

/** Human-readable explanation: one line per signal, then the decision. */
export function explain(decision: Decision, timeZone?: string): string {
  const lines = decision.readings.map((r) => {
    const state = r.open === null ? 'unavailable' : r.open ? 'open' : 'closed';
    const extra = [r.veto ? 'VETO' : '', r.error ? `error: ${r.error}` : ''].filter(Boolean).join(', ');
    return `  ${r.signal.padEnd(15)} ${state.padEnd(11)} ${r.detail}${extra ? ` [${extra}]` : ''}`;
  });
  const until =
    decision.open && decision.until !== null ? ` until ${formatLocal(decision.until, timeZone)}` : '';
  return [`window ${decision.open ? 'OPEN' : 'CLOSED'}${until}: ${decision.reason}`, ...lines].join('\n');
}
