import type { JSX } from 'preact';
import type { DiffHunk } from '../../../src/admin-api/contract';

/** Hunks as one row per line, marked + / − (and spelled out for screen readers). */
export function DiffLines({ hunks }: { hunks: DiffHunk[] }): JSX.Element {
  const lines = hunks.flatMap((h) =>
    h.text
      .replace(/\n$/, '')
      .split('\n')
      .map((text) => ({ op: h.op, text })),
  );
  return (
    <pre class="text diff-lines">
      {lines.map((l, i) => (
        <div key={i} class={`diff-${l.op}`}>
          <span aria-hidden="true">{l.op === 'add' ? '+ ' : l.op === 'del' ? '- ' : '  '}</span>
          <span class="sr-only">{l.op === 'add' ? 'added: ' : l.op === 'del' ? 'removed: ' : ''}</span>
          {l.text}
        </div>
      ))}
    </pre>
  );
}
