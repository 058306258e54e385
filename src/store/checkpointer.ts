import type { Db } from './db.js';

/**
 * WAL checkpoints copy committed pages back into the database file and fsync it: a few ms each.
 * With only SQLite's automatic checkpoint, that cost lands inside whichever request's commit
 * crosses the threshold (seen as p99 spikes). Agent traffic comes in bursts with gaps between
 * them, so this runs PASSIVE checkpoints (they never block writers or readers) on the main
 * connection in those gaps: when no request is in flight and none has started for `idleMs`.
 *
 * It replaced a worker thread with its own connection: a second V8 isolate cost ~16 MB of RSS
 * for a job that needs a few ms now and then. Under load with no gap at all, the connection's
 * own `wal_autocheckpoint` (db.ts) still bounds the WAL.
 */
export interface CheckpointerOptions {
  /** How often to look for a gap (ms). */
  intervalMs?: number;
  /** A gap is this long without a request starting, and nothing in flight (ms). */
  idleMs?: number;
  /** True while requests are in flight. */
  busy: () => boolean;
  /** Time the last request started (ms since epoch). */
  lastActivityAt: () => number;
  onError?: (message: string) => void;
}

export interface Checkpointer {
  /** Checkpoint now if anything was written since the last one; returns the frames copied. */
  runOnce(): number;
  stop(): Promise<void>;
}

export function startCheckpointer(db: Db, opts: CheckpointerOptions): Checkpointer {
  const intervalMs = opts.intervalMs ?? 250;
  const idleMs = opts.idleMs ?? 200;
  const totalChanges = db.prepare('SELECT total_changes() AS n').pluck();
  let checkpointedAt = -1;

  const runOnce = (): number => {
    const changes = totalChanges.get() as number;
    if (changes === checkpointedAt) return 0;
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as {
      busy: number;
      log: number;
      checkpointed: number;
    }[];
    // A reader holding an old snapshot can leave frames behind; try again at the next gap.
    if (row && row.checkpointed >= row.log) checkpointedAt = changes;
    return row?.checkpointed ?? 0;
  };

  const timer = setInterval(() => {
    if (opts.busy() || Date.now() - opts.lastActivityAt() < idleMs) return;
    try {
      runOnce();
    } catch (err) {
      opts.onError?.((err as Error).message);
    }
  }, intervalMs);
  timer.unref();

  return {
    runOnce,
    stop: async () => clearInterval(timer),
  };
}
