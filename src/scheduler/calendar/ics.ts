import ICAL from 'ical.js';
import { isTimeZone, zonedToEpoch } from '../time.js';

type IcalComponent = InstanceType<typeof ICAL.Component>;
type IcalTime = InstanceType<typeof ICAL.Time>;
type IcalEvent = InstanceType<typeof ICAL.Event>;

/** One concrete occurrence of a calendar event. */
export interface Occurrence {
  start: number;
  end: number;
  summary: string;
  categories: string[];
  allDay: boolean;
  /** TRANSP:TRANSPARENT, Outlook "free", or cancelled: the user is not actually busy. */
  free: boolean;
}

export interface ParsedCalendar {
  /** Occurrences overlapping [from, to), sorted by start. */
  expand(from: number, to: number): Occurrence[];
  eventCount: number;
}

export class IcsParseError extends Error {
  readonly code = 'ics_parse_error';
}

// A daily event since 1990 is ~13k iterations; this caps a pathological RRULE.
const MAX_ITERATIONS = 50_000;
// An exception may move an occurrence earlier than its RECURRENCE-ID; look a little past `to`.
const MOVE_SLACK_MS = 24 * 3600_000;

/**
 * Parse an iCalendar feed with ical.js: VTIMEZONE definitions in the feed are honoured,
 * recurring events are expanded (RRULE, RDATE, EXDATE) and RECURRENCE-ID overrides replace
 * their occurrence. A TZID without a VTIMEZONE falls back to the IANA zone of that name,
 * floating and all-day times to `defaultTz` (undefined = machine local).
 */
export function parseIcs(text: string, defaultTz?: string): ParsedCalendar {
  let roots: IcalComponent[];
  try {
    const jcal = ICAL.parse(text) as unknown;
    const list = Array.isArray(jcal) && Array.isArray(jcal[0]) ? (jcal as unknown[]) : [jcal];
    roots = list.map((j) => new ICAL.Component(j as never));
  } catch (err) {
    throw new IcsParseError(`invalid iCalendar data: ${(err as Error).message}`);
  }
  const masters = new Map<string, IcalEvent>();
  const exceptions: IcalComponent[] = [];
  const singles: IcalEvent[] = [];
  for (const root of roots) {
    for (const vevent of root.getAllSubcomponents('vevent')) {
      const uid = String(vevent.getFirstPropertyValue('uid') ?? '');
      if (vevent.hasProperty('recurrence-id')) exceptions.push(vevent);
      else if (uid && !masters.has(uid)) masters.set(uid, new ICAL.Event(vevent));
      else singles.push(new ICAL.Event(vevent));
    }
  }
  for (const exc of exceptions) {
    const master = masters.get(String(exc.getFirstPropertyValue('uid') ?? ''));
    if (master) master.relateException(exc);
    else singles.push(new ICAL.Event(exc)); // an override whose series is not in this feed
  }
  const events = [...masters.values(), ...singles];
  return {
    eventCount: events.length,
    expand(from, to) {
      const out: Occurrence[] = [];
      for (const ev of events) expandEvent(ev, from, to, defaultTz, out);
      return out.sort((a, b) => a.start - b.start);
    },
  };
}

function expandEvent(
  ev: IcalEvent,
  from: number,
  to: number,
  tz: string | undefined,
  out: Occurrence[],
): void {
  if (!ev.component.hasProperty('dtstart')) return;
  if (!ev.isRecurring()) {
    const o = occurrence(ev, ev.startDate, ev.endDate, tz);
    if (o.end > from && o.start < to) out.push(o);
    return;
  }
  const it = ev.iterator();
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    const next = it.next();
    if (!next) return;
    if (toEpoch(next, tzidOf(ev), tz) >= to + MOVE_SLACK_MS) return;
    const d = ev.getOccurrenceDetails(next);
    const o = occurrence(d.item, d.startDate, d.endDate, tz);
    if (o.end > from && o.start < to) out.push(o);
  }
}

function occurrence(
  item: IcalEvent,
  startT: IcalTime,
  endT: IcalTime | null,
  tz: string | undefined,
): Occurrence {
  const c = item.component;
  const allDay = startT.isDate;
  const start = toEpoch(startT, tzidOf(item), tz);
  let end = endT ? toEpoch(endT, tzidOf(item, 'dtend') ?? tzidOf(item), tz) : start;
  // RFC 5545: a DATE start with no end lasts one day.
  if (!endT || end < start) end = allDay ? start + 24 * 3600_000 : start;
  const transp = String(c.getFirstPropertyValue('transp') ?? '').toUpperCase();
  const status = String(c.getFirstPropertyValue('status') ?? '').toUpperCase();
  const msBusy = String(c.getFirstPropertyValue('x-microsoft-cdo-busystatus') ?? '').toUpperCase();
  const categories = c
    .getAllProperties('categories')
    .flatMap((p) => p.getValues().map((v) => String(v)))
    .filter((v) => v !== '');
  return {
    start,
    end,
    summary: String(c.getFirstPropertyValue('summary') ?? ''),
    categories,
    allDay,
    free: transp === 'TRANSPARENT' || status === 'CANCELLED' || msBusy === 'FREE',
  };
}

function tzidOf(ev: IcalEvent, prop = 'dtstart'): string | undefined {
  const v = ev.component.getFirstProperty(prop)?.getParameter('tzid');
  return typeof v === 'string' ? v : undefined;
}

/** Epoch ms of an ical.js time; times ical.js could not place in a zone are placed with Intl. */
function toEpoch(t: IcalTime, tzid: string | undefined, defaultTz: string | undefined): number {
  const zoneId = t.zone?.tzid;
  if (!t.isDate && zoneId && zoneId !== 'floating') return t.toUnixTime() * 1000;
  const zone = !t.isDate && tzid && isTimeZone(tzid) ? tzid : defaultTz;
  const wall = { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second };
  return zonedToEpoch(t.isDate ? { ...wall, hour: 0, minute: 0, second: 0 } : wall, zone);
}
