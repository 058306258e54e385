import type { Logger } from 'pino';
import type { Job, JobQueue } from '../../store/jobs.js';

export interface JobHandler {
  kind: string;
  /** How many of this kind may run at once. */
  concurrency: number;
  run(job: Job, signal: AbortSignal): Promise<void>;
  /** Attempts before giving up for good (default 8). */
  maxAttempts?: number;
}

/** Thrown by a handler to ask for a later retry without counting it as a failure of the job. */
export class RetryLater extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/**
 * Runs durable jobs in the background, off the request path: polls the queue when woken (or every
 * `pollMs`), respects a per-kind concurrency limit, retries failures with exponential backoff and
 * keeps the last error visible on the row.
 */
export class JobRunner {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly running = new Map<string, number>();
  private readonly inflight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private readonly abort = new AbortController();
  private stopped = true;
  private pumping = false;

  constructor(
    private readonly queue: JobQueue,
    private readonly log: Logger,
    private readonly pollMs = 1000,
  ) {}

  register(h: JobHandler): void {
    this.handlers.set(h.kind, h);
    this.running.set(h.kind, 0);
  }

  start(): void {
    this.stopped = false;
    const recovered = this.queue.recover();
    if (recovered > 0) this.log.info({ recovered }, 'resumed jobs interrupted by a restart');
    this.wake();
  }

  /** Look for work now (called after enqueueing). */
  wake(): void {
    if (this.stopped) return;
    setImmediate(() => this.pump());
  }

  /** Stop claiming; wait for running jobs up to `graceMs`, then abort them (they stay pending). */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const all = Promise.allSettled([...this.inflight]);
    const timeout = new Promise((r) => setTimeout(r, graceMs).unref());
    await Promise.race([all, timeout]);
    this.abort.abort(new Error('shutting down'));
    await all;
  }

  /** Resolves when nothing is running or ready (for tests and benchmarks). */
  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const next = this.queue.nextRunAt([...this.handlers.keys()]);
      if (this.inflight.size === 0 && (next === null || next > Date.now())) return;
      if (Date.now() > deadline) throw new Error('job runner did not become idle in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private pump(): void {
    if (this.stopped || this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const kinds = [...this.handlers.values()]
          .filter((h) => this.running.get(h.kind)! < h.concurrency)
          .map((h) => h.kind);
        const job = this.queue.claim(kinds);
        if (!job) break;
        this.launch(job);
      }
    } catch (err) {
      this.log.error({ err }, 'job queue poll failed');
    } finally {
      this.pumping = false;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), this.pollMs);
    this.timer.unref();
  }

  private launch(job: Job): void {
    const h = this.handlers.get(job.kind)!;
    this.running.set(job.kind, this.running.get(job.kind)! + 1);
    const ref: { p?: Promise<void> } = {};
    ref.p = (async () => {
      await Promise.resolve(); // so `ref.p` is set before the finally block can run
      try {
        await h.run(job, this.abort.signal);
        this.queue.complete(job.id);
      } catch (err) {
        const message = (err as Error).message ?? String(err);
        if (this.abort.signal.aborted) {
          this.queue.fail(job.id, `interrupted: ${message}`, Date.now());
        } else if (err instanceof RetryLater) {
          this.queue.fail(job.id, message, Date.now() + err.delayMs);
        } else if (job.attempts >= (h.maxAttempts ?? 8)) {
          this.log.error({ kind: job.kind, jobId: job.id, err: message }, 'job failed for good');
          this.queue.fail(job.id, message, null);
        } else {
          const delay = Math.min(10 * 60_000, 1000 * 2 ** job.attempts);
          this.log.warn(
            { kind: job.kind, jobId: job.id, attempt: job.attempts, err: message },
            'job failed; will retry',
          );
          this.queue.fail(job.id, message, Date.now() + delay);
        }
      } finally {
        this.running.set(job.kind, this.running.get(job.kind)! - 1);
        this.inflight.delete(ref.p!);
        this.wake();
      }
    })();
    this.inflight.add(ref.p);
  }
}
