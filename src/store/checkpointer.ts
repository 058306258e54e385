import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { type Db, setWalAutocheckpoint, WAL_AUTOCHECKPOINT_BYTES } from './db.js';

/**
 * WAL checkpoints copy committed pages back into the database file and fsync both files. The
 * fsync is the expensive part: under sustained load about 10 µs of disk wait per turn, taken in
 * 10–20 ms stalls of whichever commit crosses SQLite's automatic threshold. So checkpoints run
 * where no request waits for them:
 *
 * - **In gaps.** Agent traffic comes in bursts with gaps between them. When no request is in
 *   flight and none has started for `idleMs`, a PASSIVE checkpoint (it never blocks writers or
 *   readers) runs on the main connection.
 * - **On a worker thread under concurrent load**, which leaves no gaps. From `offloadAtInflight`
 *   requests in flight, a worker with its own connection runs PASSIVE checkpoints every 50 ms and
 *   the main connection's automatic threshold rises to a safety net. The worker costs ~10 MB of
 *   RSS, so it stops once the service has been quiet for `offloadIdleMs`, and the gap
 *   checkpoints take over again. Should it fail, the main connection's threshold goes back down.
 */
export interface CheckpointerOptions {
  /** How often to look for a gap or for load (ms). */
  intervalMs?: number;
  /** A gap is this long without a request starting, and nothing in flight (ms). */
  idleMs?: number;
  /** Requests in flight now. */
  inflight: () => number;
  /** Time the last request started (ms since epoch). */
  lastActivityAt: () => number;
  /** In-flight requests from which a worker thread takes over the checkpoints. */
  offloadAtInflight?: number;
  /** Quiet time after which the worker stops (ms). */
  offloadIdleMs?: number;
  onError?: (message: string) => void;
}

export interface Checkpointer {
  /** Checkpoint now if anything was written since the last one; returns the frames copied. */
  runOnce(): number;
  /** True while a worker thread runs the checkpoints. */
  readonly offloaded: boolean;
  stop(): Promise<void>;
}

/** The main connection's automatic threshold while the worker checkpoints. */
const OFFLOADED_AUTOCHECKPOINT_BYTES = 64 * 1024 * 1024;

export function startCheckpointer(db: Db, opts: CheckpointerOptions): Checkpointer {
  const intervalMs = opts.intervalMs ?? 250;
  const idleMs = opts.idleMs ?? 200;
  const offloadAt = opts.offloadAtInflight ?? 8;
  const offloadIdleMs = opts.offloadIdleMs ?? 10_000;
  const totalChanges = db.prepare('SELECT total_changes() AS n').pluck();
  let checkpointedAt = -1;
  let worker: CheckpointWorker | null = null;

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

  const offload = () => {
    const w = startCheckpointWorker(db.name, (message) => {
      // Failed or died: the main connection checkpoints again.
      if (worker === w) endOffload();
      opts.onError?.(`checkpoint worker: ${message}`);
    });
    worker = w;
    setWalAutocheckpoint(db, OFFLOADED_AUTOCHECKPOINT_BYTES);
  };
  const endOffload = async () => {
    const w = worker;
    if (!w) return;
    worker = null;
    if (db.open) setWalAutocheckpoint(db, WAL_AUTOCHECKPOINT_BYTES);
    await w.stop();
  };

  const timer = setInterval(() => {
    const quietMs = Date.now() - opts.lastActivityAt();
    const inflight = opts.inflight();
    if (!worker && !db.memory && inflight >= offloadAt) offload();
    if (worker) {
      if (inflight === 0 && quietMs >= offloadIdleMs) void endOffload();
      return;
    }
    if (inflight > 0 || quietMs < idleMs) return;
    try {
      runOnce();
    } catch (err) {
      opts.onError?.((err as Error).message);
    }
  }, intervalMs);
  timer.unref();

  return {
    runOnce,
    get offloaded() {
      return worker !== null;
    },
    stop: async () => {
      clearInterval(timer);
      await endOffload();
    },
  };
}

interface CheckpointWorker {
  stop(): Promise<void>;
}

// CommonJS source, evaluated: the worker needs better-sqlite3 and nothing else of ours.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.modulePath);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
// It only copies WAL frames into the file: a small page cache will do.
db.pragma('cache_size = -500');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); }
  catch (err) { parentPort.postMessage({ error: String((err && err.message) || err) }); }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  try { db.close(); } catch {}
  parentPort.close();
});
`;

function startCheckpointWorker(file: string, onFailure: (message: string) => void): CheckpointWorker {
  const modulePath = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, intervalMs: 50, modulePath },
    resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 },
  });
  worker.unref();
  let stopping = false;
  worker.on('message', (m: { error?: string }) => {
    if (m.error) onFailure(m.error);
  });
  worker.on('error', (err) => onFailure(err.message));
  worker.on('exit', (code) => {
    if (!stopping) onFailure(`exited with code ${code}`);
  });
  return {
    stop: () => {
      if (stopping) return Promise.resolve();
      stopping = true;
      return new Promise<void>((resolve) => {
        const t = setTimeout(() => void worker.terminate().then(() => resolve()), 2000);
        worker.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        worker.postMessage('stop');
      });
    },
  };
}
