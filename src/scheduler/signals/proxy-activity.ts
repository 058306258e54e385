import { formatMinutes } from '../time.js';
import type { SignalReading, WindowSignal } from '../types.js';

export interface ProxyActivityOptions {
  /** Time of the last request through the proxy (ms since epoch), null when none is known. */
  lastRequestAt: () => number | null;
  /** Inactivity that counts as idle (fallback when no system-idle reading is available). */
  idleMs: number;
  /** A request this recent means the user is active: veto any window. 0 disables the veto. */
  vetoMs: number;
}

/** Time since the last proxied request: a fallback idle signal and the active-user veto. */
export class ProxyActivitySignal implements WindowSignal {
  readonly name = 'proxy-activity';
  constructor(private readonly opts: ProxyActivityOptions) {}

  async read(now: Date): Promise<SignalReading> {
    const last = this.opts.lastRequestAt();
    if (last === null || last <= 0) {
      return {
        signal: this.name,
        role: 'idle-fallback',
        // Never used = inactive, unless the fallback is switched off (idleMs = Infinity).
        open: Number.isFinite(this.opts.idleMs),
        until: null,
        veto: false,
        detail: 'no request through the proxy on record',
      };
    }
    const since = Math.max(0, now.getTime() - last);
    const veto = this.opts.vetoMs > 0 && since < this.opts.vetoMs;
    return {
      signal: this.name,
      role: 'idle-fallback',
      open: since >= this.opts.idleMs,
      until: null,
      veto,
      detail: `last proxied request ${formatMinutes(since)} ago${veto ? ` (< active_veto_minutes ${formatMinutes(this.opts.vetoMs)}: user active)` : ''}`,
    };
  }
}
