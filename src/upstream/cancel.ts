/**
 * What an upstream call listens to for cancellation: the part of `AbortSignal` that undici,
 * the retry sleep and the stream relay use. An `AbortSignal` is one.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * A per-request cancellation (the client went away). Same contract as an AbortController's
 * signal, for a fraction of its cost: Node's AbortSignal is an EventTarget, and creating one
 * plus undici's listener on it was ~3 % of the proxy's CPU at 64 concurrent clients. Code that
 * needs a real AbortSignal (fetch) gets one from `abortSignal()`, made on demand.
 */
export class Cancellation implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] = [];
  private bridged: AbortController | null = null;

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  abort(reason: unknown = new Error('cancelled')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) l();
  }

  /** An AbortSignal that follows this cancellation. */
  abortSignal(): AbortSignal {
    if (!this.bridged) {
      const controller = new AbortController();
      this.bridged = controller;
      if (this.aborted) controller.abort(this.reason);
      else this.addEventListener('abort', () => controller.abort(this.reason));
    }
    return this.bridged.signal;
  }
}

/** A real AbortSignal for `signal`, for APIs that accept nothing else. */
export function toAbortSignal(signal: CancelSignal): AbortSignal {
  if (signal instanceof AbortSignal) return signal;
  if (signal instanceof Cancellation) return signal.abortSignal();
  const controller = new AbortController();
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  return controller.signal;
}
