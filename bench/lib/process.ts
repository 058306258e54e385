import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import fs from 'node:fs';

export interface ManagedChild {
  child: ChildProcess;
  pid: number;
  /** The capture groups of the line that matched `readyPattern`. */
  match: RegExpMatchArray;
  /** The last few KB of the child's stdout and stderr, for error reports. */
  output(): string;
}

export interface SpawnReadyOptions extends Pick<SpawnOptions, 'cwd' | 'env'> {
  /** A line on `readyStream` matching this means the child is ready. */
  readyPattern: RegExp;
  readyStream: 'stdout' | 'stderr';
  timeoutMs: number;
  /** Keep the child's stdin open as a pipe (a child can treat its end as "parent gone"). */
  stdinPipe?: boolean;
  tailBytes?: number;
}

/**
 * Spawn a child and wait for its ready line. Its stdout and stderr are always drained (a full pipe
 * would block the child) into a bounded tail kept for error messages.
 */
export function spawnReady(command: string, args: string[], o: SpawnReadyOptions): Promise<ManagedChild> {
  const child = spawn(command, args, {
    cwd: o.cwd,
    env: o.env,
    stdio: [o.stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const tailBytes = o.tailBytes ?? 8192;
  let tail = '';
  const keep = (s: string) => {
    tail = (tail + s).slice(-tailBytes);
  };
  return new Promise<ManagedChild>((resolve, reject) => {
    let pending = '';
    let done = false;
    const finish = (err: Error | null, match?: RegExpMatchArray) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err || !match || child.pid === undefined) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(err ?? new Error(`${command} did not start`));
        return;
      }
      resolve({ child, pid: child.pid, match, output: () => tail });
    };
    const onData = (stream: 'stdout' | 'stderr') => (b: Buffer) => {
      const s = b.toString('utf8');
      keep(s);
      if (done || stream !== o.readyStream) return;
      pending += s;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = line.match(o.readyPattern);
        if (m) return finish(null, m);
      }
    };
    child.stdout?.on('data', onData('stdout'));
    child.stderr?.on('data', onData('stderr'));
    child.once('error', (err) => finish(err));
    child.once('exit', (code, signal) =>
      finish(
        new Error(`${command} ${args.join(' ')} exited (${signal ?? code}) before it was ready:\n${tail}`),
      ),
    );
    const timer = setTimeout(
      () => finish(new Error(`${command} ${args.join(' ')} not ready within ${o.timeoutMs} ms:\n${tail}`)),
      o.timeoutMs,
    );
  });
}

/** Signal a child and wait for it to exit; SIGKILL after `graceMs`. Resolves with its exit code/signal. */
export function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 10_000,
): Promise<string> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(String(child.exitCode ?? child.signalCode));
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code, sig) => {
      clearTimeout(killer);
      resolve(String(sig ?? code));
    });
    child.kill(signal);
  });
}

/** A `kB` field of /proc/<pid>/status (VmRSS, VmHWM, …) in bytes; null when unavailable (not Linux, gone). */
export function procStatusBytes(pid: number, field: string): number | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = text.match(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples a process's resident set size on an interval and keeps the peak. */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  peak = 0;
  samples = 0;

  constructor(
    private readonly pid: number,
    private readonly everyMs = 100,
  ) {}

  start(): void {
    this.peak = 0;
    this.samples = 0;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return this.peak;
  }

  private sample(): void {
    const rss = procStatusBytes(this.pid, 'VmRSS');
    if (rss !== null) {
      this.samples++;
      if (rss > this.peak) this.peak = rss;
    }
  }
}

export const MiB = 1024 * 1024;
