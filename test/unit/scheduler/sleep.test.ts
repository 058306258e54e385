import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SleepSignal } from '../../../src/scheduler/signals/sleep.js';
import { wallTime, zonedToEpoch } from '../../../src/scheduler/time.js';

const at = (iso: string) => new Date(iso).getTime();
const H = 3600_000;

describe('zonedToEpoch', () => {
  it('round-trips wall times, including both sides of a DST change', () => {
    for (const iso of [
      '2025-03-30T00:30:00Z',
      '2025-03-30T01:30:00Z',
      '2025-10-25T23:30:00Z',
      '2025-10-26T02:30:00Z',
    ]) {
      const w = wallTime(at(iso), 'Europe/Berlin');
      expect(new Date(zonedToEpoch(w, 'Europe/Berlin')).toISOString()).toBe(new Date(iso).toISOString());
    }
  });

  it('an ambiguous fall-back wall time resolves to the earlier instant', () => {
    const t = zonedToEpoch(
      { year: 2025, month: 10, day: 26, hour: 2, minute: 30, second: 0 },
      'Europe/Berlin',
    );
    expect(t).toBe(at('2025-10-26T00:30:00Z')); // 02:30 CEST, not 02:30 CET
  });

  it('a wall time in the spring-forward gap lands after the gap', () => {
    const t = zonedToEpoch(
      { year: 2025, month: 3, day: 30, hour: 2, minute: 30, second: 0 },
      'Europe/Berlin',
    );
    expect(t).toBe(at('2025-03-30T01:30:00Z')); // 03:30 CEST
  });
});

describe('SleepSignal', () => {
  const tz = 'Europe/Berlin';
  const sleep = new SleepSignal({ start: '23:00', end: '07:00', timeZone: tz });

  it('wraps midnight: open before and after 00:00, closed in the day', () => {
    // Winter: Berlin = UTC+1.
    expect(sleep.readSync(at('2025-01-15T22:30:00Z'))).toMatchObject({
      open: true,
      until: at('2025-01-16T06:00:00Z'),
    });
    expect(sleep.readSync(at('2025-01-16T03:00:00Z'))).toMatchObject({
      open: true,
      until: at('2025-01-16T06:00:00Z'),
    });
    const day = sleep.readSync(at('2025-01-16T12:00:00Z'));
    expect(day.open).toBe(false);
    expect(day.upcoming?.[0]).toMatchObject({
      start: at('2025-01-16T22:00:00Z'),
      end: at('2025-01-17T06:00:00Z'),
    });
  });

  it('boundaries: start is inside, end is outside', () => {
    expect(sleep.readSync(at('2025-01-15T22:00:00Z')).open).toBe(true);
    expect(sleep.readSync(at('2025-01-16T06:00:00Z')).open).toBe(false);
  });

  it('the night of the spring DST change is one hour shorter (wall-clock hours, not fixed instants)', () => {
    const r = sleep.readSync(at('2025-03-29T23:00:00Z')); // 00:00 CET on 30 March
    expect(r.open).toBe(true);
    expect(r.until).toBe(at('2025-03-30T05:00:00Z')); // 07:00 CEST
    expect(r.until! - at('2025-03-29T22:00:00Z')).toBe(7 * H);
  });

  it('the night of the autumn DST change is one hour longer', () => {
    const r = sleep.readSync(at('2025-10-25T22:00:00Z')); // 00:00 CEST on 26 October
    expect(r.until).toBe(at('2025-10-26T06:00:00Z')); // 07:00 CET
    expect(r.until! - at('2025-10-25T21:00:00Z')).toBe(9 * H);
  });

  it('a same-day window (13:00–15:00) does not wrap', () => {
    const nap = new SleepSignal({ start: '13:00', end: '15:00', timeZone: 'UTC' });
    expect(nap.readSync(at('2025-05-01T14:00:00Z'))).toMatchObject({
      open: true,
      until: at('2025-05-01T15:00:00Z'),
    });
    expect(nap.readSync(at('2025-05-01T16:00:00Z')).open).toBe(false);
  });

  it('property: open exactly when the local minute-of-day is inside the window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: at('2024-01-01T00:00:00Z'), max: at('2026-12-31T00:00:00Z') }),
        (s, e, t) => {
          fc.pre(s !== e);
          const hm = (m: number) =>
            `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
          const sig = new SleepSignal({ start: hm(s), end: hm(e), timeZone: 'America/New_York' });
          const w = wallTime(t, 'America/New_York');
          const m = w.hour * 60 + w.minute;
          const inside = s < e ? m >= s && m < e : m >= s || m < e;
          const r = sig.readSync(t);
          // Minutes skipped or repeated by DST are ambiguous; skip the hours on either side of a
          // transition (e.g. a window ending at 02:01 on the spring-forward night ends at 03:01 EDT).
          for (const near of [t + H, t - H])
            fc.pre(Math.abs(wallTime(near, 'America/New_York').hour - w.hour) % 23 === 1);
          expect(r.open).toBe(inside);
          if (r.open) expect(r.until!).toBeGreaterThan(t);
        },
      ),
      { numRuns: 500 },
    );
  });
});
