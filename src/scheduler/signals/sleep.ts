import { addDays, formatLocal, parseHhMm, type WallTime, wallTime, zonedToEpoch } from '../time.js';
import type { Interval, SignalReading, WindowSignal } from '../types.js';

export interface SleepOptions {
  start: string; // HH:MM
  end: string; // HH:MM
  /** IANA zone; undefined = the machine's local zone. */
  timeZone?: string;
}

/**
 * The configured sleep hours, e.g. 23:00–07:00 (wrapping midnight). Computed on wall-clock
 * time in the configured zone so that DST changes move the instants, not the hours.
 */
export class SleepSignal implements WindowSignal {
  readonly name = 'sleep';
  private readonly startMin: number;
  private readonly endMin: number;

  constructor(private readonly opts: SleepOptions) {
    this.startMin = parseHhMm(opts.start);
    this.endMin = parseHhMm(opts.end);
  }

  async read(now: Date): Promise<SignalReading> {
    return this.readSync(now.getTime());
  }

  readSync(nowMs: number): SignalReading {
    const windows = this.windowsAround(nowMs);
    const current = windows.find((w) => w.start <= nowMs && nowMs < w.end);
    const upcoming = windows.filter((w) => w.start > nowMs);
    const span = `${this.opts.start}–${this.opts.end}${this.opts.timeZone ? ` ${this.opts.timeZone}` : ''}`;
    return {
      signal: this.name,
      role: 'schedule',
      open: Boolean(current),
      until: current?.end ?? null,
      upcoming,
      detail: current
        ? `inside sleep hours ${span}, until ${formatLocal(current.end, this.opts.timeZone)}`
        : `outside sleep hours ${span}`,
    };
  }

  /** Sleep intervals starting yesterday, today and the next two days (local dates). */
  private windowsAround(nowMs: number): Interval[] {
    const today = wallTime(nowMs, this.opts.timeZone);
    const out: Interval[] = [];
    for (let d = -1; d <= 2; d++) {
      const day = addDays(today, d);
      const start = this.at(day, this.startMin);
      const endDay = this.endMin > this.startMin ? day : addDays(day, 1);
      out.push({ start, end: this.at(endDay, this.endMin), label: 'sleep' });
    }
    return out;
  }

  private at(day: WallTime, minutes: number): number {
    return zonedToEpoch(
      { ...day, hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0 },
      this.opts.timeZone,
    );
  }
}
