import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandResult, CommandRunner } from '../../../src/scheduler/command-runner.js';
import {
  parseIoregHidIdle,
  parseLoginctl,
  parseMutterIdletime,
  parsePowershellIdle,
  parseXprintidle,
} from '../../../src/scheduler/signals/idle-parsers.js';
import { idleMethods, SystemIdleSignal } from '../../../src/scheduler/signals/system-idle.js';

const fixture = (name: string) => fs.readFileSync(path.resolve('test/fixtures/scheduler/idle', name), 'utf8');
const MIN = 60_000;

describe('OS idle parsers (fixtures in the tools’ documented output formats)', () => {
  it('xprintidle prints milliseconds', () => {
    expect(parseXprintidle(fixture('xprintidle.txt'))).toBe(1_843_210);
    expect(parseXprintidle("couldn't open display\n")).toBeNull();
  });

  it('gdbus Mutter IdleMonitor.GetIdletime prints a uint64 tuple in milliseconds', () => {
    expect(parseMutterIdletime(fixture('gdbus-mutter.txt'))).toBe(2_712_004);
    expect(parseMutterIdletime('Error: GDBus.Error:org.freedesktop.DBus.Error.ServiceUnknown')).toBeNull();
  });

  it('loginctl IdleSinceHint is µs since the epoch; IdleHint=no means active', () => {
    const idleSince = 1_735_725_600_000; // 2025-01-01T10:00:00Z
    expect(parseLoginctl(fixture('loginctl-idle.txt'), idleSince + 45 * MIN)).toBe(45 * MIN);
    expect(parseLoginctl(fixture('loginctl-active.txt'), idleSince)).toBe(0);
    expect(parseLoginctl('IdleHint=yes\nIdleSinceHint=0\n', idleSince)).toBeNull();
    expect(parseLoginctl('Failed to get session: No session', idleSince)).toBeNull();
  });

  it('ioreg HIDIdleTime is nanoseconds (the top-level key, not HIDParameters)', () => {
    expect(parseIoregHidIdle(fixture('ioreg.txt'))).toBe(3_605_123);
    expect(parseIoregHidIdle('+-o Root  <class IORegistryEntry>\n')).toBeNull();
  });

  it('PowerShell GetLastInputInfo prints milliseconds with CRLF', () => {
    expect(parsePowershellIdle(fixture('powershell.txt'))).toBe(2_400_500);
    expect(parsePowershellIdle('Exception calling "IdleMs"')).toBeNull();
  });
});

/** A scripted command runner: answers per program, records what was run. */
function fakeRunner(answers: Record<string, CommandResult>): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async run(file) {
      calls.push(file);
      return answers[file] ?? { code: null, stdout: '', stderr: '', error: 'not found' };
    },
  };
}

const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: '' });
const now = new Date('2025-01-01T10:45:00Z');

describe('SystemIdleSignal', () => {
  it('Linux falls back xprintidle → gdbus → loginctl and reports the method used', async () => {
    const runner = fakeRunner({
      gdbus: {
        code: 1,
        stdout: '',
        stderr: 'Error connecting: Cannot autolaunch D-Bus without X11 $DISPLAY\n',
      },
      loginctl: ok(fixture('loginctl-idle.txt')),
    });
    const signal = new SystemIdleSignal({
      runner,
      methods: idleMethods('linux', {}),
      thresholdMs: 30 * MIN,
      timeoutMs: 1000,
    });
    const r = await signal.read(now);
    expect(r).toMatchObject({ open: true, method: 'loginctl', role: 'idle' });
    expect(runner.calls).toEqual(['xprintidle', 'gdbus', 'loginctl']);
    // The working method is tried first next time.
    await signal.read(now);
    expect(runner.calls.slice(3)).toEqual(['loginctl']);
  });

  it('below the threshold the signal is closed', async () => {
    const runner = fakeRunner({ xprintidle: ok('120000\n') });
    const signal = new SystemIdleSignal({
      runner,
      methods: idleMethods('linux', {}),
      thresholdMs: 30 * MIN,
      timeoutMs: 1000,
    });
    expect(await signal.read(now)).toMatchObject({ open: false, method: 'xprintidle' });
  });

  it('loginctl asks for the caller’s session from XDG_SESSION_ID', () => {
    const m = idleMethods('linux', { XDG_SESSION_ID: '7' }).find((x) => x.name === 'loginctl')!;
    expect(m.args.slice(0, 2)).toEqual(['show-session', '7']);
  });

  it('macOS uses ioreg, Windows PowerShell', async () => {
    const mac = new SystemIdleSignal({
      runner: fakeRunner({ ioreg: ok(fixture('ioreg.txt')) }),
      methods: idleMethods('darwin'),
      thresholdMs: 30 * MIN,
      timeoutMs: 1000,
    });
    expect(await mac.read(now)).toMatchObject({ open: true, method: 'ioreg' });
    const win = new SystemIdleSignal({
      runner: fakeRunner({ 'powershell.exe': ok(fixture('powershell.txt')) }),
      methods: idleMethods('win32'),
      thresholdMs: 30 * MIN,
      timeoutMs: 1000,
    });
    expect(await win.read(now)).toMatchObject({ open: true, method: 'powershell GetLastInputInfo' });
  });

  it('says "unavailable" honestly when nothing works, listing what was tried', async () => {
    const runner = fakeRunner({
      loginctl: { code: null, stdout: '', stderr: '', error: 'timed out after 1000 ms' },
    });
    const signal = new SystemIdleSignal({
      runner,
      methods: idleMethods('linux', {}),
      thresholdMs: 30 * MIN,
      timeoutMs: 1000,
    });
    const r = await signal.read(now);
    expect(r.open).toBeNull();
    expect(r.method).toBe('unavailable');
    expect(r.detail).toContain('xprintidle (not found)');
    expect(r.detail).toContain('loginctl (timed out after 1000 ms)');
  });
});
