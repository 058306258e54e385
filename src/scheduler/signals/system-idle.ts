import type { CommandRunner } from '../command-runner.js';
import { formatMinutes } from '../time.js';
import type { SignalReading, WindowSignal } from '../types.js';
import {
  POWERSHELL_IDLE_SCRIPT,
  parseIoregHidIdle,
  parseLoginctl,
  parseMutterIdletime,
  parsePowershellIdle,
  parseXprintidle,
} from './idle-parsers.js';

/** One way of asking the OS how long the user has been idle. */
export interface IdleMethod {
  name: string;
  file: string;
  args: string[];
  parse(stdout: string, nowMs: number): number | null;
}

/** The methods for a platform, best first (env gives the login session for loginctl). */
export function idleMethods(platform: NodeJS.Platform, env: NodeJS.ProcessEnv = process.env): IdleMethod[] {
  if (platform === 'darwin') {
    return [
      { name: 'ioreg', file: 'ioreg', args: ['-c', 'IOHIDSystem', '-d', '4'], parse: parseIoregHidIdle },
    ];
  }
  if (platform === 'win32') {
    return [
      {
        name: 'powershell GetLastInputInfo',
        file: 'powershell.exe',
        args: ['-NoProfile', '-NonInteractive', '-Command', POWERSHELL_IDLE_SCRIPT],
        parse: parsePowershellIdle,
      },
    ];
  }
  // Linux and the other Unixes: X11, then GNOME (Wayland too), then logind's idle hint.
  return [
    { name: 'xprintidle', file: 'xprintidle', args: [], parse: parseXprintidle },
    {
      name: 'gdbus mutter',
      file: 'gdbus',
      args: [
        'call',
        '--session',
        '--dest',
        'org.gnome.Mutter.IdleMonitor',
        '--object-path',
        '/org/gnome/Mutter/IdleMonitor/Core',
        '--method',
        'org.gnome.Mutter.IdleMonitor.GetIdletime',
      ],
      parse: parseMutterIdletime,
    },
    {
      name: 'loginctl',
      file: 'loginctl',
      args: ['show-session', env.XDG_SESSION_ID || 'auto', '-p', 'IdleHint', '-p', 'IdleSinceHint'],
      parse: parseLoginctl,
    },
  ];
}

export interface SystemIdleOptions {
  runner: CommandRunner;
  methods: IdleMethod[];
  thresholdMs: number;
  timeoutMs: number;
}

/**
 * System idle time (no keyboard/mouse input) ≥ threshold. The first method that works is
 * remembered; when it stops working the list is probed again. When none works the reading
 * says so (open: null) instead of pretending the user is active.
 */
export class SystemIdleSignal implements WindowSignal {
  readonly name = 'system-idle';
  private working: IdleMethod | null = null;

  constructor(private readonly opts: SystemIdleOptions) {}

  async read(now: Date): Promise<SignalReading> {
    const nowMs = now.getTime();
    const failures: string[] = [];
    const order = this.working
      ? [this.working, ...this.opts.methods.filter((m) => m !== this.working)]
      : this.opts.methods;
    for (const method of order) {
      const r = await this.opts.runner.run(method.file, method.args, { timeoutMs: this.opts.timeoutMs });
      const idle = r.code === 0 ? method.parse(r.stdout, nowMs) : null;
      if (idle === null) {
        const why =
          r.error ?? (r.code === 0 ? 'unrecognised output' : `exit ${r.code}: ${firstLine(r.stderr)}`);
        failures.push(`${method.name} (${why})`);
        continue;
      }
      this.working = method;
      const open = idle >= this.opts.thresholdMs;
      return {
        signal: this.name,
        role: 'idle',
        open,
        until: null,
        method: method.name,
        detail: `idle ${formatMinutes(idle)} via ${method.name} (${open ? '≥' : '<'} idle_threshold_minutes ${formatMinutes(this.opts.thresholdMs)})`,
      };
    }
    this.working = null;
    return {
      signal: this.name,
      role: 'idle',
      open: null,
      until: null,
      method: 'unavailable',
      detail: `system idle time unavailable: tried ${failures.join(', ') || 'nothing'}`,
      error: 'no idle-time method works on this machine',
    };
  }
}

function firstLine(s: string): string {
  return s.trim().split(/\r?\n/)[0]?.slice(0, 200) ?? '';
}
