import type { SignalReading, WindowSignal } from './types.js';

/**
 * Read every signal concurrently, each bounded by `timeoutMs`: a slow or failing signal reads
 * as unavailable instead of stalling the decision.
 */
export function readSignals(
  signals: WindowSignal[],
  now: number,
  timeoutMs: number,
): Promise<SignalReading[]> {
  return Promise.all(signals.map((s) => readSignal(s, now, timeoutMs)));
}

async function readSignal(s: WindowSignal, now: number, timeoutMs: number): Promise<SignalReading> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<SignalReading>((resolve) => {
    timer = setTimeout(() => resolve(unavailable(s.name, `timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([s.read(new Date(now)), timeout]);
  } catch (err) {
    return unavailable(s.name, (err as Error).message);
  } finally {
    clearTimeout(timer);
  }
}

function unavailable(signal: string, error: string): SignalReading {
  return { signal, role: 'schedule', open: null, until: null, detail: `unavailable: ${error}`, error };
}
