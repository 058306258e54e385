import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerOptions } from '../../../src/scheduler/scheduler.js';
import type { Override, SchedulerState, WindowSignal } from '../../../src/scheduler/types.js';
import { type Db, openStore } from '../../../src/store/db.js';
import { SchedulerEventRepository } from '../../../src/store/scheduler-events.js';
import { FakeClock, FakeTrainer, SwitchSignal } from './fakes.js';

const MIN = 60_000;
let db: Db;
afterEach(() => db?.close());

function setup(extra: Partial<SchedulerOptions> = {}) {
  db = openStore(':memory:');
  const events = new SchedulerEventRepository(db);
  const signal = new SwitchSignal();
  const clock = new FakeClock();
  let override: Override | null = null;
  const make = (more: Partial<SchedulerOptions> = {}) =>
    new Scheduler({
      signals: [signal],
      events,
      override: { read: async () => override },
      clock,
      minWindowMs: 20 * MIN,
      tickMs: 3600_000,
      signalTimeoutMs: 200,
      errorBackoffMs: 10 * MIN,
      ...extra,
      ...more,
    });
  return {
    events,
    signal,
    clock,
    make,
    setOverride: (o: Override | null) => {
      override = o;
    },
    transitions: () =>
      events
        .list({ limit: 100 })
        .reverse()
        .map((e) => `${e.from}>${e.to}`),
  };
}

describe('Scheduler state machine', () => {
  it('idle_wait → window_open → training → preempting → idle_wait, every step persisted', async () => {
    const t = setup();
    const trainer = new FakeTrainer(30);
    const s = t.make({ trainer });
    t.signal.open = true;
    t.signal.until = t.clock.t + 8 * 60 * MIN;
    const firstStep = trainer.nextStep();
    await s.tick();
    expect(s.snapshot().state).toBe('training');
    await firstStep; // a step is in flight
    t.signal.open = false;
    await s.tick();
    expect(s.snapshot().state).toBe('preempting');
    await expectState(s, 'idle_wait');
    expect(t.transitions()).toEqual([
      'idle_wait>window_open',
      'window_open>training',
      'training>preempting',
      'preempting>idle_wait',
    ]);
    // The step in flight finished, nothing started after the abort, then a checkpoint.
    const i = trainer.trace.indexOf('abort');
    expect(trainer.trace[i + 1]).toMatch(/^step \d+ done$/);
    expect(trainer.trace.at(-1)).toMatch(/^checkpoint ckpt-\d+$/);
    expect(trainer.trace.slice(i).some((x) => x.endsWith('start'))).toBe(false);
    expect(t.events.last()!.reason).toMatch(/^preempted after \d+ step\(s\), checkpoint ckpt-\d+/);
  });

  it('a tick never waits for training (serving is never blocked by a run)', async () => {
    const t = setup();
    let release = () => {};
    const stepDone = new Promise<void>((r) => {
      release = r;
    });
    const trainer = {
      hasWork: async () => true,
      runUntil: async () => {
        await stepDone; // a remote step that only ends when the test says so
        return { steps: 1, stopped: true };
      },
    };
    const s = t.make({ trainer });
    t.signal.open = true;
    t.signal.until = t.clock.t + 600 * MIN;
    await s.tick(); // returns although the step has not finished
    expect(s.snapshot().state).toBe('training');
    const stopped = s.stop(5000);
    expect(s.snapshot().state).toBe('preempting');
    release();
    await stopped;
    expect(s.snapshot().state).toBe('idle_wait');
  });

  it('a run that runs out of work returns to window_open; no work means no training', async () => {
    const t = setup();
    const trainer = new FakeTrainer(5, 2);
    const s = t.make({ trainer });
    t.signal.open = true;
    t.signal.until = t.clock.t + 600 * MIN;
    await s.tick();
    await expectState(s, 'window_open');
    expect(t.events.last()!.reason).toMatch(/run finished after 2 step/);
    trainer.work = false;
    await s.tick();
    expect(s.snapshot().state).toBe('window_open');
    expect(trainer.runs).toBe(1);
  });

  it('a failing trainer is visible and backed off, not retried every tick', async () => {
    const t = setup();
    const trainer = new FakeTrainer(5);
    trainer.failWith = new Error('tinker: 401 unauthorized');
    const s = t.make({ trainer });
    t.signal.open = true;
    t.signal.until = t.clock.t + 600 * MIN;
    await s.tick();
    await expectState(s, 'window_open');
    expect(s.snapshot().lastError).toMatch(/401/);
    await s.tick();
    expect(trainer.runs).toBe(1);
    t.clock.advance(11 * MIN);
    await s.tick();
    expect(trainer.runs).toBe(2);
    await s.stop(1000);
  });

  it('the window closing without training goes back to idle_wait', async () => {
    const t = setup();
    const s = t.make();
    t.signal.open = true;
    t.signal.until = t.clock.t + 600 * MIN;
    await s.tick();
    expect(s.windowOpen()).toBe(true);
    t.signal.open = false;
    await s.tick();
    expect(t.transitions()).toEqual(['idle_wait>window_open', 'window_open>idle_wait']);
  });

  it('force open/closed through the override', async () => {
    const t = setup();
    const s = t.make();
    t.setOverride({ mode: 'open', setAt: t.clock.t, until: null });
    await s.tick();
    expect(s.snapshot().state).toBe('window_open');
    expect(t.events.last()!.reason).toBe('forced open');
    t.signal.open = true;
    t.signal.until = t.clock.t + 600 * MIN;
    t.setOverride({ mode: 'closed', setAt: t.clock.t, until: null });
    await s.tick();
    expect(s.snapshot().state).toBe('idle_wait');
  });

  it('a hung signal reads as unavailable after its timeout; the tick completes', async () => {
    const t = setup();
    const hung: WindowSignal = { name: 'hung', read: () => new Promise(() => {}) };
    const s = t.make({ signals: [hung] });
    const d = await s.tick();
    expect(d.readings[0]).toMatchObject({ signal: 'hung', open: null, error: 'timed out after 200 ms' });
  });

  it('stop() preempts a run for shutdown and waits for its checkpoint', async () => {
    const t = setup();
    const trainer = new FakeTrainer(20);
    const s = t.make({ trainer });
    t.signal.open = true;
    t.signal.until = t.clock.t + 600 * MIN;
    await s.tick();
    await s.stop(5000);
    expect(s.snapshot().state).toBe('idle_wait');
    expect(t.events.list({ limit: 2 }).map((e) => e.reason)).toEqual([
      expect.stringMatching(/^preempted after/),
      'shutdown',
    ]);
  });
});

describe('restart in each state', () => {
  const cases: [SchedulerState, SchedulerState, string | null][] = [
    ['idle_wait', 'idle_wait', null],
    ['window_open', 'window_open', null],
    ['training', 'idle_wait', 'restart'],
    ['preempting', 'idle_wait', 'restart'],
  ];
  for (const [found, resumed, reason] of cases) {
    it(`found in ${found} → resumes in ${resumed}`, async () => {
      const t = setup();
      t.events.record(t.clock.t - MIN, 'idle_wait', 'window_open', 'earlier');
      if (found !== 'window_open') t.events.record(t.clock.t - MIN, 'window_open', found, 'before the crash');
      const before = t.events.list().length;
      const s = t.make({ trainer: new FakeTrainer(5) });
      expect(s.snapshot().state).toBe(resumed);
      const added = t.events.list().length - before;
      expect(added).toBe(reason ? 1 : 0);
      if (reason) expect(t.events.last()).toMatchObject({ from: found, to: 'idle_wait', reason });
      // Resuming is safe: with the window now closed the next tick settles in idle_wait.
      await s.tick();
      expect(s.snapshot().state).toBe('idle_wait');
    });
  }
});

async function expectState(s: Scheduler, state: SchedulerState): Promise<void> {
  for (let i = 0; i < 500 && s.snapshot().state !== state; i++) await new Promise((r) => setTimeout(r, 10));
  expect(s.snapshot().state).toBe(state);
}
