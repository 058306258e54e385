import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints copy committed pages back into the database file and fsync it: a few ms each.
 * With SQLite's automatic checkpoint that cost lands inside whichever request's commit crosses the
 * threshold (seen as p99 spikes). This moves it to a worker thread with its own connection, which
 * runs PASSIVE checkpoints (they never block writers) on a timer. The main connection keeps a
 * large automatic threshold as a safety net should the worker die.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.modulePath);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
let timer = null;
const tick = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
  timer = setTimeout(tick, workerData.intervalMs);
};
timer = setTimeout(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') { clearTimeout(timer); try { db.close(); } catch {} parentPort.close(); }
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(
  file: string,
  intervalMs = 500,
  onError?: (message: string) => void,
): Checkpointer {
  const modulePath = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, intervalMs, modulePath } });
  worker.unref();
  worker.on('message', (m: { error?: string }) => {
    if (m.error) onError?.(m.error);
  });
  worker.on('error', (err) => onError?.(err.message));
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => void worker.terminate().then(() => resolve()), 2000);
        worker.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        worker.postMessage('stop');
      }),
  };
}
