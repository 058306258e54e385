import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { OverrideFile } from '../../src/scheduler/override.js';
import type { Scheduler } from '../../src/scheduler/scheduler.js';
import type { SchedulerState, TrainerPort } from '../../src/scheduler/types.js';
import { SchedulerEventRepository } from '../../src/store/scheduler-events.js';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { eventually, openaiUpstream, startProxy, type TestProxy, tempHome } from '../helpers/proxy.js';
import { FakeTrainer } from '../unit/scheduler/fakes.js';

/*
 * The scheduler wired into the real service (real HTTP, real SQLite file). Preemption against
 * the Tinker-protocol test server belongs to the RL issue (no trainer exists yet): here the
 * trainer is a fake whose steps take real time.
 */

let fake: FakeLlm;
const open: TestProxy[] = [];
beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  for (const p of open.splice(0)) await p.close();
});

/** Only the override (or an explicit sleep window) opens windows here; ticks are driven by the test. */
function schedulerConfig(extra: Record<string, unknown> = {}) {
  return {
    enabled: true,
    sleep_enabled: false,
    idle_enabled: false,
    proxy_idle_minutes: 0,
    tick_seconds: 3600,
    ...extra,
  };
}

async function proxy(home: string, scheduler: Record<string, unknown>): Promise<TestProxy> {
  const p = await startProxy({ upstream: openaiUpstream(fake.url), scheduler }, { home });
  open.push(p);
  // start() ticks once; let that evaluation finish so the test's own ticks see its changes.
  await p.app.scheduler?.tick();
  return p;
}

const state = (s: Scheduler) => s.snapshot().state;
const settle = (s: Scheduler, want: SchedulerState) => eventually(() => state(s) === want);

describe('scheduler in the service', () => {
  it('force open → training; force closed mid-run → step finishes, checkpoint, preempting → idle_wait', async () => {
    const home = tempHome();
    const p = await proxy(home, schedulerConfig());
    const s = p.app.scheduler!;
    const trainer = new FakeTrainer(50);
    s.setTrainer(trainer);
    const overrides = OverrideFile.under(home);

    overrides.write({ mode: 'open', setAt: Date.now(), until: null });
    const stepping = trainer.nextStep();
    await s.tick();
    expect(state(s)).toBe('training');
    await stepping;

    // Serving continues while training runs.
    const res = await fetch(`${p.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);

    overrides.write({ mode: 'closed', setAt: Date.now(), until: null });
    await s.tick();
    expect(state(s)).toBe('preempting');
    await settle(s, 'idle_wait');
    const after = trainer.trace.slice(trainer.trace.indexOf('abort'));
    expect(after[1]).toMatch(/done$/);
    expect(after.at(-1)).toMatch(/^checkpoint/);

    const events = new SchedulerEventRepository(p.app.db).list().reverse();
    expect(events.map((e) => e.to)).toEqual(['window_open', 'training', 'preempting', 'idle_wait']);
    expect(events[2]!.reason).toBe('forced closed');
  });

  it('a proxied request vetoes an open window (active_veto_minutes)', async () => {
    const home = tempHome();
    // A sleep window around "now" in UTC, three hours long.
    const now = new Date();
    const hm = (d: Date) =>
      `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    const p = await proxy(
      home,
      schedulerConfig({
        sleep_enabled: true,
        timezone: 'UTC',
        sleep_start: hm(new Date(now.getTime() - 3600_000)),
        sleep_end: hm(new Date(now.getTime() + 2 * 3600_000)),
      }),
    );
    const s = p.app.scheduler!;
    await s.tick();
    expect(state(s)).toBe('window_open');
    await fetch(`${p.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }] }),
    });
    await s.tick();
    expect(state(s)).toBe('idle_wait');
    expect(new SchedulerEventRepository(p.app.db).last()!.reason).toMatch(/^veto \(proxy-activity\)/);
  });

  it('a restart that finds a run cut off resumes in idle_wait with reason "restart"', async () => {
    const home = tempHome();
    const p1 = await proxy(home, schedulerConfig({ preempt_grace_seconds: 0 }));
    let release = () => {};
    const hung: TrainerPort = {
      hasWork: async () => true,
      runUntil: () =>
        new Promise((r) => {
          release = () => r({ steps: 0, stopped: true });
        }),
    };
    p1.app.scheduler!.setTrainer(hung);
    OverrideFile.under(home).write({ mode: 'open', setAt: Date.now(), until: null });
    await p1.app.scheduler!.tick();
    expect(state(p1.app.scheduler!)).toBe('training');
    await p1.close(); // the trainer does not stop within the grace: the store says preempting
    open.splice(open.indexOf(p1), 1);
    release();

    OverrideFile.under(home).write(null);
    const p2 = await proxy(home, schedulerConfig());
    const events = new SchedulerEventRepository(p2.app.db).list({ limit: 2 });
    expect(events[0]).toMatchObject({ from: 'preempting', to: 'idle_wait', reason: 'restart' });
    expect(events[1]).toMatchObject({ from: 'training', to: 'preempting', reason: 'shutdown' });
    expect(state(p2.app.scheduler!)).toBe('idle_wait');
  });

  it('disabled by default: no scheduler runs in the service', async () => {
    const p = await startProxy({ upstream: openaiUpstream(fake.url) });
    open.push(p);
    expect(p.app.scheduler).toBeNull();
  });
});

describe('metaclaw scheduler CLI', () => {
  async function cli(home: string, args: string[]): Promise<string> {
    const out: string[] = [];
    const prev = process.env.METACLAW_HOME;
    process.env.METACLAW_HOME = home;
    const w = vi.spyOn(process.stdout, 'write').mockImplementation((c) => {
      out.push(String(c));
      return true;
    });
    const l = vi.spyOn(console, 'log').mockImplementation((...a) => {
      out.push(`${a.join(' ')}\n`);
    });
    try {
      await main(['node', 'metaclaw', ...args]);
    } finally {
      w.mockRestore();
      l.mockRestore();
      if (prev === undefined) delete process.env.METACLAW_HOME;
      else process.env.METACLAW_HOME = prev;
    }
    return out.join('');
  }

  it('force, status, explain, next-window and events', async () => {
    const home = tempHome();
    expect(await cli(home, ['scheduler', 'force', 'open', '--for', '30'])).toMatch(/forced open until/);
    const status = JSON.parse(await cli(home, ['scheduler', 'status', '--json']));
    expect(status).toMatchObject({ enabled: false, state: 'idle_wait', override: { mode: 'open' } });

    const explained = JSON.parse(await cli(home, ['scheduler', 'explain', '--json']));
    expect(explained).toMatchObject({ open: true, forced: 'open' });
    expect(explained.readings.map((r: { signal: string }) => r.signal)).toEqual([
      'sleep',
      'system-idle',
      'proxy-activity',
    ]);
    expect(await cli(home, ['scheduler', 'explain'])).toMatch(/^state idle_wait\nwindow OPEN/);

    const next = JSON.parse(await cli(home, ['scheduler', 'next-window', '--json']));
    expect(next.note).toBe('open now');

    expect(await cli(home, ['scheduler', 'force', 'auto'])).toMatch(/automatic/);
    expect(OverrideFile.under(home).readSync()).toBeNull();
    expect(await cli(home, ['scheduler', 'events'])).toMatch(/no scheduler transitions/);
  });
});
