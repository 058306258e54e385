/** Time-zone arithmetic through Intl (no tz database of our own). */

export interface WallTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string | undefined): Intl.DateTimeFormat {
  const key = tz ?? '';
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(key, f);
  }
  return f;
}

const knownZones = new Map<string, boolean>();
/** Whether Intl knows the IANA zone `tz` (cached: ICS feeds ask for the same few zones). */
export function isTimeZone(tz: string): boolean {
  let ok = knownZones.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    knownZones.set(tz, ok);
  }
  return ok;
}

/** The wall-clock time at `ms` in `tz` (undefined = the machine's local zone). */
export function wallTime(ms: number, tz?: string): WallTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour! % 24,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** Offset of `tz` from UTC at instant `ms`, in ms. */
function offsetAt(ms: number, tz?: string): number {
  const w = wallTime(ms, tz);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `tz` shows `w`. In a spring-forward gap the result is
 * shifted forward by the gap; in a fall-back overlap the earlier instant is chosen.
 */
export function zonedToEpoch(w: WallTime, tz?: string): number {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const o1 = offsetAt(asUtc - 12 * 3600_000, tz);
  const o2 = offsetAt(asUtc + 12 * 3600_000, tz);
  // Try both offsets around the date; keep the candidate whose wall clock matches.
  for (const o of o1 === o2 ? [o1] : [o1, o2]) {
    const t = asUtc - o;
    if (offsetAt(t, tz) === o) return t;
  }
  return asUtc - o1; // gap: the wall time does not exist; land just after it
}

/** Minutes since midnight of an `HH:MM` string. */
export function parseHhMm(s: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s);
  if (!m) throw new Error(`not HH:MM: ${s}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Add whole days to a calendar date (no time zone involved). */
export function addDays(w: WallTime, days: number): WallTime {
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + days));
  return { ...w, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function formatLocal(ms: number, tz?: string): string {
  const w = wallTime(ms, tz);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}`;
}

export function formatMinutes(ms: number): string {
  if (!Number.isFinite(ms)) return 'open-ended';
  const min = Math.round(ms / 60_000);
  return min >= 120 ? `${Math.floor(min / 60)} h ${min % 60} min` : `${min} min`;
}
