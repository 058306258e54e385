import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CalendarFeeds, memoryFeedCache } from '../../../src/scheduler/calendar/feeds.js';
import { parseIcs } from '../../../src/scheduler/calendar/ics.js';
import { CalendarSignal } from '../../../src/scheduler/calendar/signal.js';

const FIX = path.resolve('test/fixtures/scheduler/ics');
const read = (name: string) => fs.readFileSync(path.join(FIX, name), 'utf8');
const at = (iso: string) => new Date(iso).getTime();
const iso = (ms: number) => new Date(ms).toISOString();

describe('parseIcs: recurring events and time zones', () => {
  const cal = parseIcs(read('berlin-weekly.ics'), 'UTC');

  it('a weekly 10:00 Europe/Berlin event keeps its wall time across the March DST change', () => {
    const occ = cal.expand(at('2025-03-10T00:00:00Z'), at('2025-04-07T00:00:00Z'));
    expect(occ.map((o) => iso(o.start))).toEqual([
      '2025-03-14T09:00:00.000Z', // CET
      '2025-03-21T09:00:00.000Z',
      '2025-03-28T09:00:00.000Z',
      '2025-04-04T08:00:00.000Z', // CEST, after the last Sunday of March
    ]);
    expect(occ.every((o) => o.end - o.start === 3600_000)).toBe(true);
  });

  it('…and across the October change back', () => {
    const occ = cal.expand(at('2025-10-20T00:00:00Z'), at('2025-11-03T00:00:00Z'));
    expect(occ.map((o) => iso(o.start))).toEqual(['2025-10-24T08:00:00.000Z', '2025-10-31T09:00:00.000Z']);
  });

  it('EXDATE removes an occurrence and RECURRENCE-ID moves one', () => {
    const occ = cal.expand(at('2025-04-07T00:00:00Z'), at('2025-04-21T00:00:00Z'));
    expect(occ.map((o) => [iso(o.start), o.summary])).toEqual([
      ['2025-04-18T12:00:00.000Z', 'Weekly sync (moved)'], // 14:00 CEST; 11 April excluded
    ]);
  });

  it('a TZID without VTIMEZONE falls back to the IANA zone of that name (with its DST)', () => {
    const text = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'UID:ny-weekly@example.com',
      'DTSTAMP:20250101T000000Z',
      'DTSTART;TZID=America/New_York:20250303T090000',
      'DTEND;TZID=America/New_York:20250303T093000',
      'RRULE:FREQ=WEEKLY;COUNT=2',
      'SUMMARY:Standup',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const occ = parseIcs(text, 'UTC').expand(at('2025-03-01T00:00:00Z'), at('2025-03-20T00:00:00Z'));
    // US DST starts 9 March 2025: 09:00 EST = 14:00Z, then 09:00 EDT = 13:00Z.
    expect(occ.map((o) => iso(o.start))).toEqual(['2025-03-03T14:00:00.000Z', '2025-03-10T13:00:00.000Z']);
  });

  it('UTC, DURATION, floating, all-day, free and cancelled events', () => {
    const occ = parseIcs(read('mixed.ics'), 'Europe/Berlin').expand(
      at('2025-05-05T00:00:00Z'),
      at('2025-05-07T00:00:00Z'),
    );
    const by = (s: string) => occ.find((o) => o.summary === s)!;
    expect(iso(by('Dentist').start)).toBe('2025-05-05T09:00:00.000Z');
    expect(by('Dentist').categories).toEqual(['Personal', 'Away']);
    expect(by('Call with NY team')).toMatchObject({
      start: at('2025-05-05T17:00:00Z'),
      end: at('2025-05-05T17:30:00Z'),
    });
    expect(by('Gym').start).toBe(at('2025-05-05T16:00:00Z')); // floating 18:00 in the default zone (CEST)
    expect(by('Public holiday')).toMatchObject({
      allDay: true,
      start: at('2025-05-05T22:00:00Z'),
      end: at('2025-05-06T22:00:00Z'),
    });
    expect(by('Focus time').free).toBe(true);
    expect(by('Cancelled review').free).toBe(true);
    expect(by('Tentative hold').free).toBe(true);
    expect(by('Dentist').free).toBe(false);
    expect(occ.filter((o) => o.summary === 'Commute')).toHaveLength(2);
  });

  it('rejects what is not iCalendar', () => {
    expect(() => parseIcs('<html>login required</html>')).toThrow(/invalid iCalendar/);
  });
});

describe('CalendarSignal', () => {
  async function signal(keywords: string[] = [], includeAllDay = false) {
    const feeds = new CalendarFeeds({
      sources: [path.join(FIX, 'mixed.ics'), path.join(FIX, 'berlin-weekly.ics')],
      refreshMs: 60_000,
      timeoutMs: 1000,
      cache: memoryFeedCache(),
      timeZone: 'Europe/Berlin',
    });
    return new CalendarSignal({
      feeds,
      keywords,
      includeAllDay,
      lookaheadMs: 48 * 3600_000,
      timeZone: 'Europe/Berlin',
    });
  }

  it('busy = an event in progress; the window lasts until it ends', async () => {
    const r = await (await signal()).read(new Date('2025-05-05T09:30:00Z'));
    expect(r).toMatchObject({ open: true, until: at('2025-05-05T10:00:00Z') });
    expect(r.detail).toContain('Dentist');
  });

  it('transparent, cancelled and Outlook-free events are not busy', async () => {
    const s = await signal();
    for (const t of ['2025-05-05T12:30:00Z', '2025-05-05T14:30:00Z', '2025-05-05T15:30:00Z']) {
      expect((await s.read(new Date(t))).open).toBe(false);
    }
  });

  it('all-day events count only when include_all_day is set', async () => {
    expect((await (await signal()).read(new Date('2025-05-06T12:00:00Z'))).open).toBe(false);
    expect((await (await signal([], true)).read(new Date('2025-05-06T12:00:00Z'))).open).toBe(true);
  });

  it('keywords filter busy events; the others still bound idle windows as commitments', async () => {
    const s = await signal(['away']); // matches the Dentist's category, not the NY call
    const during = await s.read(new Date('2025-05-05T09:30:00Z'));
    expect(during.open).toBe(true);
    const before = await s.read(new Date('2025-05-05T16:45:00Z'));
    expect(before.open).toBe(false);
    expect(before.nextCommitmentAt).toBe(at('2025-05-05T17:00:00Z'));
    expect(before.upcoming?.length ?? 0).toBe(0);
  });

  it('a missing feed is reported, the readable one still used', async () => {
    const feeds = new CalendarFeeds({
      sources: [path.join(FIX, 'mixed.ics'), path.join(FIX, 'nope.ics')],
      refreshMs: 60_000,
      timeoutMs: 1000,
      cache: memoryFeedCache(),
    });
    const r = await new CalendarSignal({
      feeds,
      keywords: [],
      includeAllDay: false,
      lookaheadMs: 3600_000,
    }).read(new Date('2025-05-05T09:30:00Z'));
    expect(r.open).toBe(true);
    expect(r.error).toMatch(/nope\.ics/);
  });
});
