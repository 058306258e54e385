import { createHash } from 'node:crypto';
import type { SkillOp } from '../../store/skill-repository.js';
import type { SupportCase } from './verify.js';

/**
 * Keys that let the evolution loop recognise what it has already done, so it cannot loop:
 * - a *failure key* names a failure independently of the turn that carried it: the support turn's
 *   id, and the human's request text (their words as the conversation view reads them), so the
 *   same task failing again in a new session is the same failure;
 * - a *skill change key* names one put (skill name + its description and body, normalised);
 * - a *change-set key* names a whole validated change set (its puts and removes, in name order).
 */

/** Case and whitespace differences are not a different text. */
export function normaliseText(s: string): string {
  return s.replace(/\s+/g, ' ').trim().toLowerCase();
}

const hash = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 16);

export function requestKey(request: string): string | null {
  const n = normaliseText(request);
  return n === '' ? null : `req:${hash(n)}`;
}

export function failureKeys(support: readonly SupportCase[]): string[] {
  const keys = new Set<string>();
  for (const s of support) {
    keys.add(`turn:${s.turn.id}`);
    const r = requestKey(s.view.request);
    if (r) keys.add(r);
  }
  return [...keys];
}

export function skillChangeKey(name: string, description: string, body: string): string {
  return `put:${name}:${hash(`${normaliseText(description)}\n${normaliseText(body)}`)}`;
}

export function changeSetKey(ops: readonly SkillOp[]): string {
  const parts = ops.map((op) =>
    op.op === 'put'
      ? skillChangeKey(op.doc.frontmatter.name, op.doc.frontmatter.description, op.doc.body)
      : op.op === 'remove'
        ? `remove:${op.name}`
        : `activate:${op.revisionId}`,
  );
  return parts.sort().join('|');
}
