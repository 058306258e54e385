/**
 * Whether the store is taking writes (issue 17: a full disk lost turns silently). The turn recorder
 * reports every commit here; /readyz, /healthz, `status`, `doctor` and the dashboard's alerts read
 * it. A later successful write clears the failure by itself (space came back).
 */
export interface StoreWriteState {
  ok: boolean;
  /** Failed turn writes since the service started. */
  failedWrites: number;
  /** Message of the last failure (e.g. "database or disk is full"), null when none. */
  lastError: string | null;
  /** When the current run of failures began (ms since epoch); null while writes succeed. */
  since: number | null;
  lastFailureAt: number | null;
}

export class StoreHealth {
  private state: StoreWriteState = {
    ok: true,
    failedWrites: 0,
    lastError: null,
    since: null,
    lastFailureAt: null,
  };

  recordFailure(err: unknown, now = Date.now()): void {
    const s = this.state;
    s.failedWrites++;
    s.lastError = err instanceof Error ? err.message : String(err);
    s.lastFailureAt = now;
    if (s.ok) s.since = now;
    s.ok = false;
  }

  recordSuccess(): void {
    if (this.state.ok) return;
    this.state.ok = true;
    this.state.since = null;
  }

  get ok(): boolean {
    return this.state.ok;
  }

  snapshot(): StoreWriteState {
    return { ...this.state };
  }
}
