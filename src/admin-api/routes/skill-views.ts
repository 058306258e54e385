import { createTwoFilesPatch, diffLines } from 'diff';
import { revisionView } from '../../skills/admin.js';
import { serializeSkill } from '../../skills/format.js';
import type { EvolutionRepository } from '../../store/evolutions.js';
import type { SkillRepository, SkillRevision } from '../../store/skill-repository.js';
import type { SkillPageRow, SkillUsage } from '../../store/skill-stats.js';
import type { DiffHunk, SkillDetail, SkillDiff, SkillListItem, SkillRevisionInfo } from '../contract.js';

const mean = (sum: number, n: number) => (n > 0 ? sum / n : null);

/**
 * A skill as listed: the contract's fields over the older `revisionView` ones (revision_id,
 * category, tags, origin, created_at …), so callers of the older route keep what they read.
 */
export function skillListItem(
  r: SkillRevision,
  row: SkillPageRow,
  u: SkillUsage | undefined,
  withBody = false,
): SkillListItem & Record<string, unknown> {
  return {
    ...revisionView(r, withBody),
    name: r.name,
    description: r.description,
    status: row.active ? 'active' : 'retired',
    pinned: r.meta.pinned,
    revision: r.revision,
    generation_added: row.generationAdded,
    injected: u?.injected ?? 0,
    helpful: u?.helpful ?? 0,
    harmful: u?.harmful ?? 0,
    mean_reward_with: u ? mean(u.rewardSum, u.judged) : null,
    mean_reward_without: u ? mean(u.withoutRewardSum, u.withoutJudged) : null,
    updated_at: r.createdAt,
  };
}

/**
 * The detail view: text, every revision with the generation that made it, and the evolution that
 * wrote the skill (its support turns and verification). Also the older `{active, history}` fields.
 */
export function skillDetail(
  item: SkillListItem & Record<string, unknown>,
  r: SkillRevision,
  repo: SkillRepository,
  evolutions: EvolutionRepository,
): SkillDetail & Record<string, unknown> {
  const history = repo.history(r.name);
  const gens = new Map(repo.generations().map((g) => [g.number, g]));
  const revisions: SkillRevisionInfo[] = history.map((h) => {
    const g = gens.get(h.generation);
    return {
      revision: h.revision,
      generation: h.generation,
      created_at: h.createdAt,
      evolution_id: h.provenance?.evolutionId ?? null,
      reason: g ? `${g.cause}${g.detail ? `: ${g.detail}` : ''}` : null,
      status: h.spans.some((s) => s.to === null) ? 'active' : 'retired',
    };
  });
  // The evolution that wrote it: the newest revision an evolution made (a later hand edit keeps it).
  const made = [...history].reverse().find((h) => h.provenance?.evolutionId !== undefined);
  const e = made ? evolutions.get(made.provenance!.evolutionId!) : undefined;
  const active = history.find((h) => h.spans.some((s) => s.to === null)) ?? null;
  return {
    ...item,
    text: r.body,
    revisions,
    provenance: {
      evolution_id: made?.provenance?.evolutionId ?? null,
      support_turn_ids: e?.supportTurnIds ?? made?.provenance?.supportTurnIds ?? [],
      verification: e?.verification ?? null,
    },
    active: active ? revisionView(active, true) : null,
    history: history.map((h) => ({ ...revisionView(h, true), spans: h.spans })),
  };
}

/** What changed between two revisions' SKILL.md (frontmatter included: description, pin). */
export function skillDiff(name: string, from: SkillRevision, to: SkillRevision): SkillDiff {
  const a = serializeSkill({ frontmatter: from.frontmatter, body: from.body });
  const b = serializeSkill({ frontmatter: to.frontmatter, body: to.body });
  const hunks: DiffHunk[] = diffLines(a, b).map((c) => ({
    op: c.added ? 'add' : c.removed ? 'del' : 'same',
    text: c.value,
  }));
  return {
    name,
    from: from.revision,
    to: to.revision,
    unified: createTwoFilesPatch(
      `${name}/SKILL.md@${from.revision}`,
      `${name}/SKILL.md@${to.revision}`,
      a,
      b,
      undefined,
      undefined,
      { context: 3 },
    ),
    hunks,
  };
}
