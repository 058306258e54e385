import type { Logger } from 'pino';
import type { SkillLibrary } from '../../skills/library.js';
import type { EvolutionRecord, EvolutionRepository } from '../../store/evolutions.js';
import type { SkillOp } from '../../store/skill-repository.js';
import { skillChangeKey } from './dedupe.js';

/**
 * A verified change set held for a person (`evolution.approval: manual`), stored in the
 * evolution's validation record: the ops to apply, and the active revision of every skill they
 * touch as it was when verified, so approval can tell whether the library moved underneath.
 */
export interface HeldChangeSet {
  ops: SkillOp[];
  /** Skill name → active revision id when verified (null: the skill did not exist). */
  base: Record<string, number | null>;
  generation: number;
}

export function holdChangeSet(library: SkillLibrary, ops: SkillOp[]): HeldChangeSet {
  const snap = library.current();
  const base: Record<string, number | null> = {};
  for (const op of ops) {
    const name = op.op === 'put' ? op.doc.frontmatter.name : op.op === 'remove' ? op.name : null;
    if (name !== null) base[name] = snap.byName.get(name)?.id ?? null;
  }
  return { ops, base, generation: snap.generation };
}

export function heldChangeSet(e: EvolutionRecord): HeldChangeSet | null {
  const v = e.validation as { change_set?: HeldChangeSet } | null;
  return v?.change_set ?? null;
}

/** Why a decision was refused: the route answers 404 / 409 with the message. */
export class DecisionError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Approve or reject an evolution awaiting approval. Approval applies the held change set onto the
 * current library as one new generation (live on the next request); when a skill it touches
 * changed since verification it refuses instead of overwriting that change.
 */
export class EvolutionDecisions {
  constructor(private readonly d: { library: SkillLibrary; evolutions: EvolutionRepository; log: Logger }) {}

  approve(id: number, reason?: string): EvolutionRecord {
    const { e, held } = this.awaiting(id);
    const lib = this.d.library;
    lib.refresh(); // see change sets committed by another process (the CLI) first
    const snap = lib.current();
    const moved = Object.entries(held.base).filter(
      ([name, rev]) => (snap.byName.get(name)?.id ?? null) !== rev,
    );
    if (moved.length > 0) {
      const what = moved
        .map(([name, rev]) =>
          rev === null
            ? `${name} was added`
            : snap.byName.has(name)
              ? `${name} was edited`
              : `${name} was retired`,
        )
        .join(', ');
      throw new DecisionError(
        'conflict',
        `the library changed since evolution #${id} was verified (generation ${held.generation} → ${snap.generation}: ${what}); not applied — reject it and let a new evolution propose against the current skills`,
      );
    }
    const applied = lib.apply(held.ops, 'evolution', `evolution ${id} (approved)`);
    const generation = applied?.generation.number ?? lib.current().generation;
    this.d.evolutions.update(id, {
      outcome: 'applied',
      generation,
      decidedBy: 'user',
      ...(reason ? { reason } : {}),
    });
    this.d.log.info({ evolutionId: id, generation }, `evolution #${id} approved (generation ${generation})`);
    return this.d.evolutions.get(e.id)!;
  }

  reject(id: number, reason?: string): EvolutionRecord {
    const { held } = this.awaiting(id);
    const why = reason?.trim() || 'rejected by the user';
    // Remembered like a change that failed verification: the evolver is not offered it again
    // unchanged for the same failures.
    const culprits = held.ops.flatMap((op) =>
      op.op === 'put'
        ? [
            {
              changeKey: skillChangeKey(op.doc.frontmatter.name, op.doc.frontmatter.description, op.doc.body),
              name: op.doc.frontmatter.name,
              description: op.doc.frontmatter.description,
              reason: `rejected by the user: ${why}`,
            },
          ]
        : [],
    );
    this.d.evolutions.recordFailedChanges(id, culprits);
    this.d.evolutions.update(id, { outcome: 'rejected', reason: why, decidedBy: 'user' });
    this.d.log.info({ evolutionId: id }, `evolution #${id} rejected by the user`);
    return this.d.evolutions.get(id)!;
  }

  private awaiting(id: number): { e: EvolutionRecord; held: HeldChangeSet } {
    const e = this.d.evolutions.get(id);
    if (!e) throw new DecisionError('not_found', `no evolution ${id}`);
    if (e.outcome !== 'awaiting_approval')
      throw new DecisionError('conflict', `evolution #${id} is ${e.outcome}, not awaiting approval`);
    const held = heldChangeSet(e);
    if (!held) throw new DecisionError('conflict', `evolution #${id} has no stored change set to apply`);
    return { e, held };
  }
}
