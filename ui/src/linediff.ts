import type { DiffHunk } from '../../src/admin-api/contract';

/**
 * Line diff (longest common subsequence) for texts the server has not diffed yet, e.g. a skill
 * body an evolution proposes, shown before approval. Skill texts are short: O(n·m) is fine, and
 * beyond 2,000 lines a side it falls back to "all removed, all added".
 */
export function lineDiff(before: string, after: string): DiffHunk[] {
  const a = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const b = after === '' ? [] : after.replace(/\n$/, '').split('\n');
  if (a.length > 2000 || b.length > 2000)
    return [
      ...a.map((text) => ({ op: 'del' as const, text })),
      ...b.map((text) => ({ op: 'add' as const, text })),
    ];
  // lcs[i][j] = length of the LCS of a[i..] and b[j..]
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffHunk[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ op: 'same', text: a[i]! });
      i++;
      j++;
    } else if (j < b.length && (i === a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push({ op: 'add', text: b[j++]! });
    } else {
      out.push({ op: 'del', text: a[i++]! });
    }
  }
  return out;
}
