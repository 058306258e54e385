/**
 * Parsers for the outputs of the OS idle-time tools. Each returns idle milliseconds, or null
 * when the output is not what the tool prints on success.
 */

/** `xprintidle`: milliseconds since the last X input, one integer per line. */
export function parseXprintidle(out: string): number | null {
  const m = /^\s*(\d+)\s*$/.exec(out);
  return m ? Number(m[1]) : null;
}

/**
 * `gdbus call … org.gnome.Mutter.IdleMonitor.GetIdletime`: a GVariant tuple such as
 * `(uint64 123456,)` (milliseconds).
 */
export function parseMutterIdletime(out: string): number | null {
  const m = /^\s*\((?:uint64\s+)?(\d+),?\)\s*$/.exec(out);
  return m ? Number(m[1]) : null;
}

/**
 * `loginctl show-session <id> -p IdleHint -p IdleSinceHint`: `IdleHint=yes|no` and
 * `IdleSinceHint=<µs since epoch>`. Not idle → 0; idle without a timestamp → null.
 */
export function parseLoginctl(out: string, nowMs: number): number | null {
  const props = new Map<string, string>();
  for (const line of out.split(/\r?\n/)) {
    const i = line.indexOf('=');
    if (i > 0) props.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const hint = props.get('IdleHint');
  if (hint === 'no') return 0;
  if (hint !== 'yes') return null;
  const since = Number(props.get('IdleSinceHint'));
  if (!Number.isFinite(since) || since <= 0) return null;
  return Math.max(0, nowMs - Math.floor(since / 1000));
}

/** `ioreg -c IOHIDSystem`: `"HIDIdleTime" = <nanoseconds>` in the IOHIDSystem entry. */
export function parseIoregHidIdle(out: string): number | null {
  const m = /"HIDIdleTime"\s*=\s*(\d+)/.exec(out);
  return m ? Math.floor(Number(m[1]) / 1_000_000) : null;
}

/** Our PowerShell GetLastInputInfo script prints idle milliseconds as one integer. */
export function parsePowershellIdle(out: string): number | null {
  const m = /^\s*(\d+)\s*$/.exec(out);
  return m ? Number(m[1]) : null;
}

/** C# compiled by PowerShell's Add-Type: GetLastInputInfo gives the tick of the last input. */
export const POWERSHELL_IDLE_SCRIPT = `
Add-Type @'
using System;
using System.Runtime.InteropServices;
public static class MetaClawIdle {
  [StructLayout(LayoutKind.Sequential)] struct LASTINPUTINFO { public uint cbSize; public uint dwTime; }
  [DllImport("user32.dll")] static extern bool GetLastInputInfo(ref LASTINPUTINFO plii);
  public static uint IdleMs() {
    var i = new LASTINPUTINFO(); i.cbSize = (uint)Marshal.SizeOf(i);
    if (!GetLastInputInfo(ref i)) { throw new Exception("GetLastInputInfo failed"); }
    return unchecked((uint)Environment.TickCount - i.dwTime);
  }
}
'@
[MetaClawIdle]::IdleMs()
`.trim();
