import { describe, expect, it } from 'vitest';
import { decide, explain, nextWindow } from '../../../src/scheduler/decision.js';
import type { SignalReading } from '../../../src/scheduler/types.js';

const MIN = 60_000;
const now = Date.parse('2025-05-05T22:00:00Z');

const sleep = (
  open: boolean,
  until: number | null,
  upcoming: SignalReading['upcoming'] = [],
): SignalReading => ({
  signal: 'sleep',
  role: 'schedule',
  open,
  until,
  upcoming,
  detail: 'sleep',
});
const idle = (open: boolean | null): SignalReading => ({
  signal: 'system-idle',
  role: 'idle',
  open,
  until: null,
  detail: 'idle',
});
const proxy = (open: boolean, veto = false): SignalReading => ({
  signal: 'proxy-activity',
  role: 'idle-fallback',
  open,
  until: null,
  veto,
  detail: 'proxy',
});
const calendar = (
  open: boolean,
  until: number | null,
  extra: Partial<SignalReading> = {},
): SignalReading => ({
  signal: 'calendar',
  role: 'schedule',
  open,
  until,
  detail: 'calendar',
  ...extra,
});
const base = { now, minWindowMs: 20 * MIN, override: null, currentlyOpen: false };

describe('decide', () => {
  it('opens for a schedule signal whose predicted window is long enough', () => {
    const d = decide({ ...base, readings: [sleep(true, now + 8 * 60 * MIN), idle(false), proxy(false)] });
    expect(d).toMatchObject({ open: true, until: now + 8 * 60 * MIN, openedBy: ['sleep'] });
  });

  it('min-window prediction: too short a remaining window does not open…', () => {
    const d = decide({ ...base, readings: [sleep(true, now + 10 * MIN)] });
    expect(d.open).toBe(false);
    expect(d.reason).toMatch(/predicted window 10 min < min_window_minutes 20 min/);
  });

  it('…but an already-open window stays open until its end', () => {
    expect(decide({ ...base, currentlyOpen: true, readings: [sleep(true, now + 10 * MIN)] }).open).toBe(true);
  });

  it('an idle window ends at the next calendar commitment', () => {
    const readings = [idle(true), calendar(false, null, { nextCommitmentAt: now + 15 * MIN })];
    const d = decide({ ...base, readings });
    expect(d.open).toBe(false);
    expect(d.until).toBe(now + 15 * MIN);
    const later = decide({
      ...base,
      readings: [idle(true), calendar(false, null, { nextCommitmentAt: now + 90 * MIN })],
    });
    expect(later).toMatchObject({ open: true, until: now + 90 * MIN });
  });

  it('an idle window with no calendar is open-ended', () => {
    expect(decide({ ...base, readings: [idle(true)] })).toMatchObject({ open: true, until: null });
  });

  it('windows chain: sleep running into a meeting, idle running into a busy event', () => {
    const meeting = { start: now + 5 * MIN, end: now + 65 * MIN };
    const d = decide({
      ...base,
      readings: [idle(true), calendar(false, null, { nextCommitmentAt: meeting.start, upcoming: [meeting] })],
    });
    expect(d).toMatchObject({ open: true, until: meeting.end });
    const s = decide({
      ...base,
      readings: [
        sleep(true, now + 10 * MIN),
        calendar(false, null, { upcoming: [{ start: now + 10 * MIN, end: now + 50 * MIN }] }),
      ],
    });
    expect(s).toMatchObject({ open: true, until: now + 50 * MIN });
  });

  it('the veto closes any window', () => {
    const d = decide({ ...base, readings: [sleep(true, now + 8 * 60 * MIN), proxy(false, true)] });
    expect(d.open).toBe(false);
    expect(d.reason).toMatch(/^veto \(proxy-activity\)/);
  });

  it('proxy inactivity opens only when system idle is unavailable', () => {
    expect(decide({ ...base, readings: [idle(false), proxy(true)] }).open).toBe(false);
    expect(decide({ ...base, readings: [idle(null), proxy(true)] })).toMatchObject({
      open: true,
      openedBy: ['proxy-activity'],
    });
  });

  it('forced open beats the veto; forced closed beats every signal; an expired force is ignored', () => {
    const readings = [sleep(true, now + 8 * 60 * MIN), proxy(false, true)];
    expect(decide({ ...base, readings, override: { mode: 'open', setAt: now, until: null } })).toMatchObject({
      open: true,
      forced: 'open',
    });
    const closed = decide({
      ...base,
      readings: [sleep(true, now + 600 * MIN)],
      override: { mode: 'closed', setAt: now, until: null },
    });
    expect(closed).toMatchObject({ open: false, forced: 'closed' });
    const expired = decide({
      ...base,
      readings: [sleep(true, now + 600 * MIN)],
      override: { mode: 'closed', setAt: 0, until: now - 1 },
    });
    expect(expired).toMatchObject({ open: true, forced: null });
  });

  it('explain lists every reading and the reason', () => {
    const d = decide({ ...base, readings: [sleep(false, null), idle(null), proxy(false, true)] });
    const text = explain(d, 'UTC');
    expect(text.split('\n')[0]).toMatch(/^window CLOSED: veto/);
    expect(text).toMatch(/sleep\s+closed/);
    expect(text).toMatch(/system-idle\s+unavailable/);
    expect(text).toContain('VETO');
  });
});

describe('nextWindow', () => {
  it('finds the next foreseeable window long enough, skipping short ones', () => {
    const short = { start: now + 60 * MIN, end: now + 70 * MIN };
    const night = { start: now + 120 * MIN, end: now + 600 * MIN };
    const d = decide({
      ...base,
      readings: [sleep(false, null, [night]), calendar(false, null, { upcoming: [short] })],
    });
    expect(nextWindow(d, 20 * MIN)).toMatchObject({ at: night.start, until: night.end, source: 'sleep' });
  });

  it('open now → now; forced closed → none', () => {
    const open = decide({ ...base, readings: [idle(true)] });
    expect(nextWindow(open, 20 * MIN).at).toBe(now);
    const closed = decide({
      ...base,
      readings: [idle(true)],
      override: { mode: 'closed', setAt: now, until: null },
    });
    expect(nextWindow(closed, 20 * MIN).at).toBeNull();
  });
});
