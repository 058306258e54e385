import { formatLocal } from '../time.js';
import type { Interval, SignalReading, WindowSignal } from '../types.js';
import type { CalendarFeeds } from './feeds.js';
import type { Occurrence } from './ics.js';

export interface CalendarSignalOptions {
  feeds: CalendarFeeds;
  /** Only events whose summary or categories contain one of these (case-insensitive); empty = all. */
  keywords: string[];
  includeAllDay: boolean;
  lookaheadMs: number;
  timeZone?: string;
  /** How long a read waits for a due refresh before answering from the last good copy. */
  refreshWaitMs?: number;
}

const HOUR = 3600_000;

/**
 * Busy = a (matching, non-free) calendar event is in progress: the user is in a meeting, away
 * from the agent. Events that do not match the keywords still bound idle windows, because the
 * user may come back to the machine for them.
 */
export class CalendarSignal implements WindowSignal {
  readonly name = 'calendar';
  private readonly keywords: string[];

  constructor(private readonly opts: CalendarSignalOptions) {
    this.keywords = opts.keywords.map((k) => k.toLowerCase()).filter((k) => k !== '');
  }

  async read(now: Date): Promise<SignalReading> {
    const nowMs = now.getTime();
    await waitAtMost(this.opts.feeds.refresh(nowMs), this.opts.refreshWaitMs ?? 2_000);
    const statuses = this.opts.feeds.statuses();
    const failed = statuses.filter((s) => !s.ok);
    const error = failed.length > 0 ? failed.map((s) => `${s.source}: ${s.error}`).join('; ') : undefined;
    const calendars = this.opts.feeds.calendars();
    if (calendars.length === 0) {
      return {
        signal: this.name,
        role: 'schedule',
        open: null,
        until: null,
        detail: 'no calendar could be read',
        error,
      };
    }
    const busy = calendars
      .flatMap((c) => c.expand(nowMs - 24 * HOUR, nowMs + this.opts.lookaheadMs))
      .filter((o) => !o.free && (this.opts.includeAllDay || !o.allDay) && o.end > o.start);
    const matching = busy.filter((o) => this.matches(o));
    const windows = mergeIntervals(matching.map((o) => ({ start: o.start, end: o.end, label: o.summary })));
    const current = windows.find((w) => w.start <= nowMs && nowMs < w.end);
    const upcoming = windows.filter((w) => w.start > nowMs);
    const nextCommitmentAt = busy.find((o) => o.start > nowMs)?.start ?? null;
    const stale = error ? ` (stale: ${failed.length} feed(s) failed)` : '';
    return {
      signal: this.name,
      role: 'schedule',
      open: Boolean(current),
      until: current?.end ?? null,
      upcoming,
      nextCommitmentAt,
      detail: current
        ? `in "${current.label}" until ${formatLocal(current.end, this.opts.timeZone)}${stale}`
        : `no ${this.keywords.length ? 'matching ' : ''}busy event in progress${
            upcoming[0]
              ? `; next "${upcoming[0].label}" at ${formatLocal(upcoming[0].start, this.opts.timeZone)}`
              : ''
          }${stale}`,
      error,
    };
  }

  private matches(o: Occurrence): boolean {
    if (this.keywords.length === 0) return true;
    const text = [o.summary, ...o.categories].join(' ').toLowerCase();
    return this.keywords.some((k) => text.includes(k));
  }
}

/** Merge overlapping or touching intervals (back-to-back meetings make one window). */
export function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) {
      if (i.end > last.end) last.end = i.end;
    } else out.push({ ...i });
  }
  return out;
}

async function waitAtMost(p: Promise<void>, ms: number): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (t = setTimeout(r, ms)))]);
  clearTimeout(t);
}
