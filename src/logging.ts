import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

export type LogFormat = 'auto' | 'pretty' | 'json';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
// pino's own bookkeeping fields; everything else is shown as key=value.
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local time (the user's zone) with its UTC offset, e.g. `2026-12-05 06:01:02.123+01:00`. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const tz = `${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}${tz}`;
}

function fieldValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (v !== null && typeof v === 'object') {
    const err = v as { message?: unknown; type?: unknown };
    if (typeof err.message === 'string') return JSON.stringify(err.message);
    return JSON.stringify(v);
  }
  return String(v);
}

/**
 * One pino JSON line as a person reads it: `time LEVEL message key=value …`. Lines that are not
 * pino JSON pass through unchanged, so this is safe on any log file.
 */
export function formatLogLine(line: string): string {
  const text = line.trimEnd();
  if (!text.startsWith('{')) return text;
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return text;
  }
  if (typeof rec.level !== 'number' || typeof rec.time !== 'number') return text;
  const level = LEVELS[rec.level] ?? String(rec.level);
  const fields = Object.entries(rec)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${fieldValue(v)}`);
  const stack = (rec.err as { stack?: unknown } | undefined)?.stack;
  const head = [localTime(rec.time), level, typeof rec.msg === 'string' ? rec.msg : '', ...fields]
    .filter((s) => s !== '')
    .join(' ');
  // A stack trace only at debug detail would hide the cause; show it indented under the line.
  return typeof stack === 'string' && rec.level >= 50
    ? `${head}\n    ${stack.split('\n').slice(1).join('\n    ').trim()}`
    : head;
}

/** `auto`: readable on a terminal, JSON otherwise (a service's log file, a pipe). */
export function usePretty(format: LogFormat, isTty = process.stdout.isTTY === true): boolean {
  return format === 'pretty' || (format === 'auto' && isTty);
}

/**
 * Structured logs. Keys and auth headers are redacted wherever they appear; prompts are only ever
 * logged at debug level by the modules that handle them.
 */
export function createLogger(opts: { level: string; file?: string; format?: LogFormat }): Logger {
  const redact = {
    paths: [
      '*.api_key',
      '*.apiKey',
      '*.authorization',
      '*["x-api-key"]',
      'headers.authorization',
      'headers["x-api-key"]',
    ],
    censor: '[redacted]',
  };
  if (opts.file) {
    fs.mkdirSync(path.dirname(opts.file), { recursive: true });
    return pino(
      { level: opts.level, redact },
      pino.destination({ dest: opts.file, sync: false, mkdir: true }),
    );
  }
  if (usePretty(opts.format ?? 'auto')) {
    return pino(
      { level: opts.level, redact },
      { write: (line: string) => process.stdout.write(`${formatLogLine(line)}\n`) },
    );
  }
  return pino({ level: opts.level, redact });
}

/**
 * Keep a log file under `maxBytes`: when over, copy it to `FILE.1` (replacing the older one) and
 * truncate it. Copy-then-truncate because the service's stdout is this file, opened in append mode:
 * the next write lands at the new end. Returns true when it rotated.
 */
export function capLogFile(file: string, maxBytes: number): boolean {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return false;
  }
  if (size <= maxBytes) return false;
  fs.copyFileSync(file, `${file}.1`);
  fs.chmodSync(`${file}.1`, 0o600);
  fs.truncateSync(file, 0);
  return true;
}

/** When this process's stdout is `file` (the background service), cap it every minute. */
export function watchLogCap(file: string, maxBytes: number, everyMs = 60_000): NodeJS.Timeout | null {
  try {
    const out = fs.fstatSync(1);
    const f = fs.statSync(file);
    if (out.ino !== f.ino || out.dev !== f.dev) return null;
  } catch {
    return null;
  }
  capLogFile(file, maxBytes);
  const timer = setInterval(() => {
    try {
      capLogFile(file, maxBytes);
    } catch {
      // A failed rotation must never take the service down; the next minute tries again.
    }
  }, everyMs);
  timer.unref();
  return timer;
}
