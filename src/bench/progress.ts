import type { RoundResult } from './report.js';

/** A one-line progress bar with ETA and running accuracy; only drawn on a TTY. */
export function progressBar(
  stream: NodeJS.WriteStream,
): (r: RoundResult, done: number, total: number) => void {
  if (!stream.isTTY) return () => {};
  const t0 = Date.now();
  let sum = 0;
  let n = 0;
  return (r, done, total) => {
    sum += r.score;
    n++;
    const width = 30;
    const filled = Math.round((done / total) * width);
    const eta = done > 0 ? ((Date.now() - t0) / done) * (total - done) : 0;
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${r.condition} ${r.day} acc ${((sum / n) * 100).toFixed(1)}% ETA ${Math.round(eta / 1000)}s`;
    stream.write(`\r${line}${done === total ? '\n' : ''}`);
  };
}
