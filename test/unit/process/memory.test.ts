import { afterEach, describe, expect, it } from 'vitest';
import { manageYoungGeneration, type YoungGenerationManager } from '../../../src/memory.js';

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
  // The real-V8 figures (a grown young generation handed back, the hold at start) are measured
  // by bench/memory.ts: timings and heap sizes do not belong in the unit suite.
});
