import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveLines } from '../../../src/cli/status.js';
import { capLogFile, formatLogLine, localTime, usePretty } from '../../../src/logging.js';
import { usageTokens } from '../../../src/server/proxy/request-log.js';

describe('formatLogLine', () => {
  const at = Date.UTC(2026, 11, 5, 4, 30, 15, 42);

  it('renders a pino JSON line as time, level, message and key=value fields', () => {
    const line = JSON.stringify({
      level: 30,
      time: at,
      pid: 1,
      hostname: 'h',
      msg: 'request',
      model: 'gpt',
      latencyMs: 12,
    });
    const out = formatLogLine(line);
    expect(out).toBe(`${localTime(at)} INFO  request model=gpt latencyMs=12`);
    expect(out).not.toContain('hostname');
    expect(out).not.toContain('pid=');
  });

  it("shows time in the user's zone with its offset", () => {
    const t = localTime(at);
    expect(t).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
    const offMin = -new Date(at).getTimezoneOffset();
    const sign = offMin >= 0 ? '+' : '-';
    expect(
      t.endsWith(
        `${sign}${String(Math.floor(Math.abs(offMin) / 60)).padStart(2, '0')}:${String(Math.abs(offMin) % 60).padStart(2, '0')}`,
      ),
    ).toBe(true);
  });

  it('quotes values with spaces, shows an error by its message and its stack under errors', () => {
    const line = JSON.stringify({
      level: 50,
      time: at,
      msg: 'failed',
      reason: 'disk full now',
      err: { type: 'Error', message: 'ENOSPC', stack: 'Error: ENOSPC\n    at write (x.js:1:1)' },
    });
    const out = formatLogLine(line);
    expect(out.split('\n')[0]).toBe(`${localTime(at)} ERROR failed reason="disk full now" err="ENOSPC"`);
    expect(out).toContain('at write (x.js:1:1)');
  });

  it('passes through lines that are not pino JSON', () => {
    expect(formatLogLine('MetaClaw listening on http://x')).toBe('MetaClaw listening on http://x');
    expect(formatLogLine('{not json')).toBe('{not json');
    expect(formatLogLine('{"a":1}')).toBe('{"a":1}');
  });
});

describe('usePretty', () => {
  it('is pretty on a terminal in auto, JSON otherwise, and obeys a forced format', () => {
    expect(usePretty('auto', true)).toBe(true);
    expect(usePretty('auto', false)).toBe(false);
    expect(usePretty('json', true)).toBe(false);
    expect(usePretty('pretty', false)).toBe(true);
  });
});

describe('usageTokens', () => {
  it('reads OpenAI and Anthropic/Responses usage shapes', () => {
    expect(usageTokens(JSON.stringify({ prompt_tokens: 5, completion_tokens: 7 }))).toEqual({
      in: 5,
      out: 7,
    });
    expect(usageTokens(JSON.stringify({ input_tokens: 3, output_tokens: 4 }))).toEqual({ in: 3, out: 4 });
    expect(usageTokens(null)).toEqual({});
    expect(usageTokens('garbage')).toEqual({});
  });
});

describe('capLogFile', () => {
  it('copies an oversized log to FILE.1 (0600) and empties it; leaves a small one alone', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-log-'));
    const file = path.join(dir, 'metaclaw.log');
    fs.writeFileSync(file, 'x'.repeat(100), { mode: 0o600 });
    expect(capLogFile(file, 200)).toBe(false);
    expect(fs.statSync(file).size).toBe(100);
    fs.appendFileSync(file, 'y'.repeat(200));
    expect(capLogFile(file, 200)).toBe(true);
    expect(fs.statSync(file).size).toBe(0);
    expect(fs.readFileSync(`${file}.1`, 'utf8')).toBe(`${'x'.repeat(100)}${'y'.repeat(200)}`);
    expect(fs.statSync(`${file}.1`).mode & 0o777).toBe(0o600);
    expect(capLogFile(path.join(dir, 'missing.log'), 10)).toBe(false);
  });
});

describe('status liveLines', () => {
  it('renders failing writes, RL errors and restart-needed, and tolerates missing fields', () => {
    expect(liveLines({})).toEqual([]);
    const lines = liveLines({
      store_writes: { ok: false, failed_writes: 3, last_error: 'SQLITE_FULL', since: null },
      rl_failures: { unrecovered: 2, recent: [{ at: 1, kind: 'step', message: 'backend 500' }] },
      restart_needed: ['proxy.port'],
    }).join('\n');
    expect(lines).toContain('! store writes failing: 3 failed (SQLITE_FULL)');
    expect(lines).toContain('! rl: 2 unrecovered failures, last step: backend 500');
    expect(lines).toContain('! restart needed for: proxy.port');
  });
});
