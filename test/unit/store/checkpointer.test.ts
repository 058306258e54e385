import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startCheckpointer } from '../../../src/store/checkpointer.js';
import { type Db, openStore, STORE_PAGE_SIZE, WAL_AUTOCHECKPOINT_BYTES } from '../../../src/store/db.js';
import { tempHome } from '../../helpers/tmp.js';

/** Frames in the WAL not yet copied into the database file. */
function pendingFrames(db: Db): number {
  const [row] = db.pragma('wal_checkpoint(NOOP)') as { log: number; checkpointed: number }[];
  return row ? row.log - row.checkpointed : 0;
}

describe('idle checkpointer', () => {
  let db: Db | null = null;
  afterEach(() => {
    db?.close();
    db = null;
    vi.useRealTimers();
  });

  function store(): Db {
    db = openStore(path.join(tempHome('metaclaw-ckpt-'), 'metaclaw.db'));
    db.exec('CREATE TABLE t (x TEXT)');
    return db;
  }

  it('copies the WAL into the database in a gap between requests, not while one is in flight', async () => {
    vi.useFakeTimers();
    const d = store();
    const insert = d.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 200; i++) insert.run('x'.repeat(500));
    const state = { inflight: 1, last: Date.now() };
    const onError = vi.fn();
    const cp = startCheckpointer(d, {
      intervalMs: 50,
      idleMs: 100,
      inflight: () => state.inflight,
      lastActivityAt: () => state.last,
      onError,
    });
    const before = pendingFrames(d);
    expect(before).toBeGreaterThan(0);

    await vi.advanceTimersByTimeAsync(500);
    expect(pendingFrames(d)).toBe(before); // a request is in flight: no checkpoint

    state.inflight = 0;
    state.last = Date.now(); // one just started and finished: not a gap yet
    await vi.advanceTimersByTimeAsync(60);
    expect(pendingFrames(d)).toBe(before);

    await vi.advanceTimersByTimeAsync(200);
    expect(pendingFrames(d)).toBe(0);
    expect(fs.statSync(d.name).size).toBeGreaterThan(100 * 500);
    expect(onError).not.toHaveBeenCalled();
    await cp.stop();
  });

  it('does nothing when nothing was written since the last checkpoint', async () => {
    const d = store();
    d.prepare('INSERT INTO t VALUES (?)').run('a');
    const cp = startCheckpointer(d, { inflight: () => 0, lastActivityAt: () => 0 });
    expect(cp.runOnce()).toBeGreaterThan(0);
    expect(cp.runOnce()).toBe(0);
    d.prepare('INSERT INTO t VALUES (?)').run('b');
    expect(cp.runOnce()).toBeGreaterThan(0);
    await cp.stop();
  });

  it('moves checkpoints to a worker under concurrent load, and back once quiet', async () => {
    const d = store();
    const insert = d.prepare('INSERT INTO t VALUES (?)');
    const state = { inflight: 0, last: Date.now() };
    const onError = vi.fn();
    const cp = startCheckpointer(d, {
      intervalMs: 20,
      idleMs: 1_000_000, // no gap checkpoints in this test: only the worker's
      inflight: () => state.inflight,
      lastActivityAt: () => state.last,
      offloadAtInflight: 8,
      offloadIdleMs: 300,
      onError,
    });
    const autocheckpoint = () => d.pragma('wal_autocheckpoint', { simple: true });
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 250 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
      return cond();
    };

    state.inflight = 4;
    await new Promise((r) => setTimeout(r, 100));
    expect(cp.offloaded).toBe(false); // a few at once: no worker
    expect(autocheckpoint()).toBe(WAL_AUTOCHECKPOINT_BYTES / STORE_PAGE_SIZE);

    state.inflight = 64;
    expect(await until(() => cp.offloaded)).toBe(true);
    expect(autocheckpoint()).toBe((4 * WAL_AUTOCHECKPOINT_BYTES) / STORE_PAGE_SIZE); // the main connection no longer checkpoints itself
    for (let i = 0; i < 200; i++) insert.run('x'.repeat(500));
    expect(pendingFrames(d)).toBeGreaterThan(0);
    expect(await until(() => pendingFrames(d) === 0)).toBe(true); // the worker copied them
    expect(fs.statSync(d.name).size).toBeGreaterThan(100 * 500);

    state.inflight = 0;
    state.last = Date.now();
    expect(await until(() => !cp.offloaded)).toBe(true);
    expect(autocheckpoint()).toBe(WAL_AUTOCHECKPOINT_BYTES / STORE_PAGE_SIZE);
    expect(onError).not.toHaveBeenCalled();
    await cp.stop();
  });

  it('never offloads an in-memory store', async () => {
    db = openStore(':memory:');
    const cp = startCheckpointer(db, {
      intervalMs: 10,
      inflight: () => 64,
      lastActivityAt: () => Date.now(),
    });
    await new Promise((r) => setTimeout(r, 60));
    expect(cp.offloaded).toBe(false);
    await cp.stop();
  });
});
