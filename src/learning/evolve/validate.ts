import { type SkillDocument, SkillFormatError, validateSkill } from '../../skills/format.js';
import { terms } from '../../skills/lexical.js';
import type { Provenance, SkillOp } from '../../store/skill-repository.js';
import type { EvolverOp } from './ops.js';
import { screenText } from './safety.js';

/** What validation needs to know about a skill already in the library. */
export interface ExistingSkill {
  name: string;
  doc: SkillDocument;
  pinned: boolean;
}

export interface ValidationOptions {
  maxOps: number;
  /** Jaccard similarity of term sets above which an `add` becomes an `update` of that skill. */
  duplicateThreshold: number;
  maxBodyChars: number;
  provenance: Provenance;
}

export interface ValidationResult {
  /** Ready to apply as one change set. */
  ops: SkillOp[];
  /** What each accepted op became (an add may have turned into an update), for the record. */
  accepted: { op: EvolverOp; as: 'add' | 'update' | 'retire'; name: string; note?: string }[];
  rejected: { op: EvolverOp; reason: string }[];
}

export const MAX_EVOLVED_BODY_CHARS = 6000;

/**
 * Check proposed ops before anything is applied: the op cap, Agent-Skills name and size rules,
 * the safety screen, near-duplicates (an add that restates an existing skill updates it instead),
 * and references to skills that do not exist. Pure: returns ops for one atomic change set.
 */
export function validateEvolution(
  proposed: EvolverOp[],
  existing: Map<string, ExistingSkill>,
  o: ValidationOptions,
): ValidationResult {
  const result: ValidationResult = { ops: [], accepted: [], rejected: [] };
  const touched = new Set<string>();
  const reject = (op: EvolverOp, reason: string): void => {
    result.rejected.push({ op, reason });
  };
  for (const [i, op] of proposed.entries()) {
    if (i >= o.maxOps) {
      reject(op, `over the cap of ${o.maxOps} ops per evolution`);
      continue;
    }
    if (op.op === 'retire') {
      const target = existing.get(op.name);
      if (!target) {
        reject(op, `no skill named "${op.name}" to retire`);
        continue;
      }
      if (target.pinned) {
        reject(op, `"${op.name}" is pinned; only a person can retire it`);
        continue;
      }
      if (touched.has(op.name)) {
        reject(op, `"${op.name}" is already changed by an earlier op`);
        continue;
      }
      touched.add(op.name);
      result.ops.push({ op: 'remove', name: op.name });
      result.accepted.push({ op, as: 'retire', name: op.name });
      continue;
    }
    let target = existing.get(op.name);
    let note: string | undefined;
    if (op.op === 'add' && !target) {
      const dup = nearestDuplicate(`${op.description}\n${op.body}`, existing, o.duplicateThreshold);
      if (dup) {
        target = dup.skill;
        note = `near-duplicate of "${dup.skill.name}" (similarity ${dup.similarity.toFixed(2)}): applied as an update`;
      }
    }
    if (op.op === 'update' && !target) {
      reject(op, `no skill named "${op.name}" to update`);
      continue;
    }
    const name = target?.name ?? op.name;
    if (touched.has(name)) {
      reject(op, `"${name}" is already changed by an earlier op`);
      continue;
    }
    const description = (op.description ?? target?.doc.frontmatter.description ?? '').trim();
    const body = op.body ?? target?.doc.body ?? '';
    if (body.length > o.maxBodyChars) {
      reject(op, `body is ${body.length} characters, over the ${o.maxBodyChars} limit`);
      continue;
    }
    const broken = screenText(`${description}\n${body}`);
    if (broken.length > 0) {
      reject(op, `safety screen: ${broken.map((r) => `${r.id} (${r.why})`).join('; ')}`);
      continue;
    }
    const metadata: Record<string, unknown> = {
      ...((target?.doc.frontmatter.metadata as Record<string, unknown> | undefined) ?? {}),
    };
    if (!target) metadata.origin = 'evolved';
    if (op.op === 'add' && op.category) metadata.category = op.category;
    let doc: SkillDocument;
    try {
      doc = validateSkill({
        frontmatter: { ...(target?.doc.frontmatter ?? {}), name, description, metadata },
        body,
      });
    } catch (err) {
      if (err instanceof SkillFormatError) {
        reject(op, `not a valid Agent Skill: ${err.message}`);
        continue;
      }
      throw err;
    }
    touched.add(name);
    result.ops.push({ op: 'put', doc, provenance: o.provenance });
    result.accepted.push({ op, as: target ? 'update' : 'add', name, note });
  }
  return result;
}

/** The most similar existing skill above the threshold (Jaccard over stemmed terms). */
export function nearestDuplicate(
  text: string,
  existing: Map<string, ExistingSkill>,
  threshold: number,
): { skill: ExistingSkill; similarity: number } | null {
  const a = new Set(terms(text));
  let best: { skill: ExistingSkill; similarity: number } | null = null;
  for (const skill of existing.values()) {
    const similarity = jaccard(a, new Set(terms(`${skill.doc.frontmatter.description}\n${skill.doc.body}`)));
    if (similarity >= threshold && (!best || similarity > best.similarity)) best = { skill, similarity };
  }
  return best;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  return inter / (a.size + b.size - inter);
}
