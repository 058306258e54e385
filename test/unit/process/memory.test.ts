import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { manageYoungGeneration, type YoungGenerationManager } from '../../../src/memory.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

describe('young generation manager', () => {
  let manager: YoungGenerationManager | undefined;
  afterEach(() => manager?.stop());

  function harness() {
    const h = {
      clock: 1_000_000,
      inflight: 0,
      lastActivity: 0,
      events: [] as string[],
      advanceTo: async (t: number) => {
        h.clock = t;
        await new Promise((r) => setTimeout(r, 30));
      },
    };
    manager = manageYoungGeneration({
      inflight: () => h.inflight,
      lastActivityAt: () => h.lastActivity,
      growAtInflight: 8,
      settleMs: 1000,
      idleMs: 7000,
      intervalMs: 5,
      now: () => h.clock,
      collect: () => h.events.push(`collect@${h.clock}`),
      allowGrowth: (on) => h.events.push(on ? 'grow' : 'freeze'),
    });
    return h;
  }

  it('scavenges twice per quiet period (settle, then reclaim), never while busy or before quiet', async () => {
    const h = harness();
    expect(h.events).toEqual(['freeze']); // no growth from the start
    await h.advanceTo(1_000_999);
    expect(h.events).toHaveLength(1); // start-up counts as activity: not quiet yet
    await h.advanceTo(1_001_000);
    await h.advanceTo(1_007_000);
    expect(h.events).toEqual(['freeze', 'collect@1001000', 'collect@1007000']);
    await h.advanceTo(1_100_000);
    expect(h.events).toHaveLength(3); // once per quiet period

    h.lastActivity = 1_100_000; // a request starts and stays in flight
    h.inflight = 1;
    await h.advanceTo(1_200_000);
    expect(h.events).toHaveLength(3);
    h.inflight = 0; // it ends: quiet counts from its end, not its start
    await h.advanceTo(1_200_999);
    expect(h.events).toHaveLength(3);
    await h.advanceTo(1_201_000);
    await h.advanceTo(1_207_000);
    expect(h.events.slice(3)).toEqual(['collect@1201000', 'collect@1207000']);
  });

  it('lets the young generation grow only under concurrent load, and freezes it again once quiet', async () => {
    const h = harness();
    h.lastActivity = h.clock;
    h.inflight = 7;
    await h.advanceTo(1_000_100);
    expect(h.events).toEqual(['freeze']); // one agent's calls, or a few: no growth
    h.inflight = 64;
    await h.advanceTo(1_000_200);
    expect(h.events).toEqual(['freeze', 'grow']);
    h.inflight = 0;
    h.lastActivity = 1_000_200;
    await h.advanceTo(1_001_200);
    await h.advanceTo(1_007_200);
    expect(h.events).toEqual(['freeze', 'grow', 'collect@1001200', 'collect@1007200', 'freeze']);
  });

  it('hands a grown young generation back to the OS after a burst (real V8, own process)', () => {
    // A separate process: the test runner's own heap would blur the figures.
    const script = `
      import { manageYoungGeneration, youngGenerationBytes } from './dist/memory.js';
      let inflight = 64;
      const m = manageYoungGeneration({ inflight: () => inflight, lastActivityAt: () => burstEnd, intervalMs: 100 });
      let burstEnd = Date.now();
      const burst = () => {
        // Allocation like a busy server's: most dies young, some survives a while.
        const t0 = Date.now();
        let keep = [];
        while (Date.now() - t0 < 100) {
          for (let i = 0; i < 1000; i++) keep.push({ a: 'x' + i, b: [i, i + 1] });
          if (keep.length > 200000) keep = keep.slice(100000);
        }
      };
      let rounds = 0;
      const load = setInterval(() => {
        burst();
        if (++rounds < 20) return;
        clearInterval(load);
        inflight = 0;
        burstEnd = Date.now();
        const grown = youngGenerationBytes();
        const giveUp = setTimeout(() => done(-1), 12000);
        const wait = setInterval(() => { if (youngGenerationBytes() < grown) done(Date.now() - burstEnd); }, 100);
        const done = (waitedMs) => {
          clearInterval(wait); clearTimeout(giveUp); m.stop();
          console.log(JSON.stringify({ grown, after: youngGenerationBytes(), waitedMs }));
        };
      }, 1);
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const { grown, after, waitedMs } = JSON.parse(out.trim()) as Record<string, number>;
    expect(grown).toBeGreaterThanOrEqual(32 * 1024 * 1024);
    expect(after).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(waitedMs).toBeGreaterThanOrEqual(7000);
  }, 30_000);

  it('holds the young generation at its initial size while held (real V8, own process)', () => {
    const script = `
      import { holdYoungGeneration, youngGenerationBytes } from './dist/memory.js';
      holdYoungGeneration();
      const initial = youngGenerationBytes();
      let keep = [];
      const t0 = Date.now();
      while (Date.now() - t0 < 1000) {
        for (let i = 0; i < 1000; i++) keep.push({ a: 'x' + i, b: [i, i + 1] });
        if (keep.length > 200000) keep = keep.slice(100000);
      }
      console.log(JSON.stringify({ initial, after: youngGenerationBytes() }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const { initial, after } = JSON.parse(out.trim()) as Record<string, number>;
    // The same allocation without the hold takes it to 32 MB (see the burst test above).
    expect(initial).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(after).toBeLessThanOrEqual(2 * 1024 * 1024);
  }, 20_000);
});
