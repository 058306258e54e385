import type { Logger } from 'pino';
import type { RlFailureRepository } from '../../store/training.js';
import { TinkerError } from '../tinker/errors.js';
import type { TinkerTrainer } from '../tinker/trainer.js';

export interface ReopenBackoff {
  /** Wait after the first failed open; doubled after each further failure. */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: ReopenBackoff = { baseMs: 5_000, maxMs: 5 * 60_000 };

export interface ConnectionHooks {
  onLost(e: TinkerError): void;
  onHeartbeatError(e: TinkerError | null): void;
}

export interface TinkerConnectionOptions {
  /** Opens a session and model, resumed from the last checkpoint in the store. */
  open(hooks: ConnectionHooks): Promise<TinkerTrainer>;
  failures: RlFailureRepository;
  log: Logger;
  backoff?: ReopenBackoff;
  now?: () => number;
}

/** Codes that mean the session or model is gone on the service: only a new one helps. */
const GONE = new Set(['tinker_session_lost', 'tinker_not_found']);

/**
 * The one Tinker session and LoRA model shared by training and serving. Opened on first use; when
 * the session is lost (heartbeat 404), the model is broken (a seq_id may have landed unseen) or a
 * call answers 404, it is dropped and the next use reopens it from the last checkpoint. Failed
 * opens back off exponentially, and every failure is recorded for `status`.
 */
export class TinkerConnection {
  private current: TinkerTrainer | null = null;
  private opening: Promise<TinkerTrainer> | null = null;
  private failedOpens = 0;
  private nextOpenAt = 0;
  private lastOpenError: string | null = null;
  private closed = false;
  /** Sessions opened so far (1 after the first open; more after reopens). */
  opens = 0;

  constructor(private readonly o: TinkerConnectionOptions) {}

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  get(): Promise<TinkerTrainer> {
    if (this.closed) return Promise.reject(new TinkerError('tinker_aborted', 'RL is stopping'));
    if (this.current) {
      const why = this.current.unusable();
      if (!why) return Promise.resolve(this.current);
      this.drop(why);
    }
    if (this.opening) return this.opening;
    const wait = this.nextOpenAt - this.now();
    if (wait > 0)
      return Promise.reject(
        new TinkerError(
          'tinker_unavailable',
          `the Tinker session could not be opened (${this.lastOpenError}); next attempt in ${Math.ceil(wait / 1000)} s`,
        ),
      );
    const p = this.o.open(this.hooks()).then(
      (t) => {
        this.opening = null;
        if (this.closed) {
          t.close();
          throw new TinkerError('tinker_aborted', 'RL is stopping');
        }
        this.current = t;
        this.opens++;
        this.failedOpens = 0;
        this.nextOpenAt = 0;
        this.lastOpenError = null;
        // A new session clears the failures that only a new session could fix.
        this.o.failures.recovered('open');
        this.o.failures.recovered('heartbeat');
        return t;
      },
      (err: unknown) => {
        this.opening = null;
        this.failedOpens++;
        const delay = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (this.failedOpens - 1));
        this.nextOpenAt = this.now() + delay;
        this.lastOpenError = (err as Error).message;
        this.o.failures.record('open', err);
        this.o.log.error({ err, retryInMs: delay }, 'opening the Tinker session failed');
        throw err;
      },
    );
    this.opening = p;
    return p;
  }

  /** A call failed: if the error says the session or model is gone, the next use opens a new one. */
  failed(err: unknown): void {
    const code = (err as { code?: unknown })?.code;
    if (this.current && typeof code === 'string' && GONE.has(code)) this.drop(err as Error);
  }

  /** The open trainer, if any (no side effects). */
  peek(): TinkerTrainer | null {
    return this.current;
  }

  status(): Record<string, unknown> {
    const state = this.current
      ? this.current.unusable()
        ? 'lost'
        : 'open'
      : this.opening
        ? 'opening'
        : this.nextOpenAt > this.now()
          ? 'backing_off'
          : 'closed';
    return {
      state,
      opens: this.opens,
      next_attempt_at: state === 'backing_off' ? this.nextOpenAt : null,
      last_open_error: this.lastOpenError,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const t = this.current ?? (await this.opening?.catch(() => null));
    t?.close();
    this.current = null;
  }

  private get backoff(): ReopenBackoff {
    return this.o.backoff ?? DEFAULT_BACKOFF;
  }

  private drop(why: Error): void {
    const t = this.current;
    this.current = null;
    t?.close();
    this.o.log.warn(
      { reason: why.message },
      'the Tinker session or model is gone: reopening from the last checkpoint',
    );
  }

  private hooks(): ConnectionHooks {
    return {
      onLost: (e) => {
        this.o.failures.record('heartbeat', e);
        this.o.log.error({ err: e }, 'Tinker session lost');
      },
      onHeartbeatError: (e) => {
        if (e) {
          this.o.failures.record('heartbeat', e);
          this.o.log.warn({ err: e }, 'Tinker heartbeat failing');
        } else this.o.failures.recovered('heartbeat');
      },
    };
  }
}
