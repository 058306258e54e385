import { performance } from 'node:perf_hooks';

export interface ClosedLoopOptions {
  /** Requests kept in flight at once (each worker issues the next one when its last one ends). */
  concurrency: number;
  /** Stop issuing after this many requests. */
  maxRequests: number;
  /** Stop issuing after this long (requests in flight still finish). */
  maxDurationMs: number;
  /** Stop issuing once aborted (e.g. on Ctrl-C). */
  signal?: AbortSignal;
}

export interface ClosedLoopResult<S> {
  samples: S[];
  errors: number;
  /** The first few error messages, for the report. */
  errorMessages: string[];
  /** From the first request issued to the last one finished. */
  elapsedMs: number;
  /** Successful requests per second over elapsedMs. */
  throughput: number;
}

/**
 * Closed-loop load: `concurrency` workers each run `once` back to back until the request or time
 * budget is spent. `once` returns one sample per successful request and throws on failure.
 */
export async function runClosedLoop<S>(
  opts: ClosedLoopOptions,
  once: (i: number) => Promise<S>,
): Promise<ClosedLoopResult<S>> {
  const samples: S[] = [];
  const errorMessages: string[] = [];
  let errors = 0;
  let issued = 0;
  const start = performance.now();
  const deadline = start + opts.maxDurationMs;
  let lastEnd = start;
  const worker = async () => {
    while (issued < opts.maxRequests && performance.now() < deadline && !opts.signal?.aborted) {
      const i = issued++;
      try {
        samples.push(await once(i));
      } catch (err) {
        errors++;
        if (errorMessages.length < 5) errorMessages.push(err instanceof Error ? err.message : String(err));
      }
      lastEnd = performance.now();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));
  const elapsedMs = lastEnd - start;
  return {
    samples,
    errors,
    errorMessages,
    elapsedMs,
    throughput: elapsedMs > 0 ? samples.length / (elapsedMs / 1000) : 0,
  };
}
