import { describe, expect, it } from 'vitest';
import { execFileRunner } from '../../../src/scheduler/command-runner.js';
import { ProxyActivitySignal } from '../../../src/scheduler/signals/proxy-activity.js';

const MIN = 60_000;
const now = new Date('2025-05-05T22:00:00Z');

describe('ProxyActivitySignal', () => {
  const make = (last: number | null, idleMs = 30 * MIN) =>
    new ProxyActivitySignal({ lastRequestAt: () => last, idleMs, vetoMs: 10 * MIN });

  it('a request within active_veto_minutes vetoes; after it, no veto', async () => {
    expect(await make(now.getTime() - 9 * MIN).read(now)).toMatchObject({ veto: true, open: false });
    expect(await make(now.getTime() - 10 * MIN).read(now)).toMatchObject({ veto: false, open: false });
  });

  it('inactivity ≥ proxy_idle_minutes is a (fallback) idle window', async () => {
    expect(await make(now.getTime() - 45 * MIN).read(now)).toMatchObject({
      open: true,
      role: 'idle-fallback',
    });
    expect(await make(null).read(now)).toMatchObject({ open: true, veto: false });
    expect(await make(null, Number.POSITIVE_INFINITY).read(now)).toMatchObject({ open: false });
  });
});

describe('execFileRunner (real child processes, never throws)', () => {
  it('reports stdout, exit codes, missing programs and timeouts', async () => {
    const node = process.execPath;
    expect(await execFileRunner.run(node, ['-e', 'console.log(42)'], { timeoutMs: 10_000 })).toMatchObject({
      code: 0,
      stdout: '42\n',
    });
    const failed = await execFileRunner.run(node, ['-e', 'console.error("nope"); process.exit(3)'], {
      timeoutMs: 10_000,
    });
    expect(failed).toMatchObject({ code: 3, stderr: 'nope\n' });
    expect(await execFileRunner.run('metaclaw-no-such-program', [], { timeoutMs: 1000 })).toMatchObject({
      code: null,
      error: 'not found',
    });
    const slow = await execFileRunner.run(node, ['-e', 'setTimeout(() => {}, 60000)'], { timeoutMs: 300 });
    expect(slow).toMatchObject({ code: null, error: 'timed out after 300 ms' });
  });
});
