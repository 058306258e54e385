/**
 * Shared output helpers for the CLI: every command shows times the same way (the user's zone,
 * with its offset), aligns its columns and marks what it cut.
 */

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * `2026-12-05 14:03:07 +01:00`: the local wall time and its UTC offset, so a time read off one
 * command can be compared with another's (and with the logs) without guessing the zone.
 */
export function formatTime(ms: number | Date | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  const d = ms instanceof Date ? ms : new Date(ms);
  if (Number.isNaN(d.getTime())) return '-';
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return (
    `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ` +
    `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`
  );
}

/** Cut to `max` characters, marking the cut with `…`; whitespace runs become one space. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  return `${flat.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/** Rows as aligned columns (every column but the last padded to its widest cell). */
export function columns(rows: string[][], gap = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join(gap)
      .trimEnd(),
  );
}

/**
 * Resolve what the user typed to one id: `#12` and `12` are the same, and a unique prefix of an
 * id is enough. Throws a message naming the candidates when the prefix is ambiguous.
 */
export function resolveId(typed: string, candidates: readonly string[]): string | null {
  const t = typed.trim().replace(/^#/, '');
  if (t === '') return null;
  if (candidates.includes(t)) return t;
  const hits = candidates.filter((c) => c.startsWith(t));
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1)
    throw new Error(`${typed} is ambiguous: ${hits.slice(0, 5).join(', ')}${hits.length > 5 ? ', …' : ''}`);
  return null;
}

/** A line diff (LCS) of two texts, `-`/`+`/` ` prefixed; skills are small, so O(n·m) is fine. */
export function lineDiff(a: string, b: string): string[] {
  const A = a.split('\n');
  const B = b.split('\n');
  const n = A.length;
  const m = B.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = A[i] === B[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && A[i] === B[j]) {
      out.push(`  ${A[i]}`);
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push(`+ ${B[j]}`);
      j++;
    } else {
      out.push(`- ${A[i]}`);
      i++;
    }
  }
  return out;
}

/** Only the changed lines of a diff and `context` lines around them; `…` marks what was left out. */
export function compactDiff(lines: string[], context = 2): string[] {
  const keep = new Set<number>();
  lines.forEach((l, i) => {
    if (l.startsWith('  ')) return;
    for (let k = i - context; k <= i + context; k++) if (k >= 0 && k < lines.length) keep.add(k);
  });
  const out: string[] = [];
  let last = -1;
  for (let i = 0; i < lines.length; i++) {
    if (!keep.has(i)) continue;
    if (last >= 0 && i > last + 1) out.push('  …');
    out.push(lines[i]!);
    last = i;
  }
  return out;
}
