import { describe, expect, it } from 'vitest';
import { skillsSection } from '../../../src/config/sections/skills.js';
import { scanFolder } from '../../../src/skills/folder.js';
import { rankSkills } from '../../../src/skills/retrieval.js';
import { starterDir } from '../../../src/skills/starter.js';
import type { SkillOp } from '../../../src/store/skill-repository.js';
import { doc, freshLibrary } from './helpers.js';
import { DOMAIN_SKILLS, QUERIES } from './relevance-data.js';

function labelledLibrary() {
  const { lib } = freshLibrary();
  const ops: SkillOp[] = [...scanFolder(starterDir()).skills.values()].map(({ doc: d }) => ({
    op: 'put',
    doc: d,
  }));
  for (const s of DOMAIN_SKILLS)
    ops.push({ op: 'put', doc: doc(s.name, s.description, s.body, s.tags ? { tags: s.tags } : undefined) });
  lib.apply(ops, 'import');
  return lib;
}

const opts = { mode: 'lexical' as const, topK: 3, minScore: 0, minSimilarity: 0 };
// The shipped defaults: relevance is measured with the thresholds users get.
const defaults = skillsSection.parse({});
const shipped = { ...opts, minScore: defaults.min_score, minRelative: defaults.min_relative };

describe('lexical retrieval relevance', () => {
  it('has a labelled set of at least 30 skills and 30 queries', () => {
    expect(labelledLibrary().current().byName.size).toBeGreaterThanOrEqual(30);
    expect(QUERIES.length).toBeGreaterThanOrEqual(30);
  });

  it('puts a labelled skill in the top 3 for at least 90% of queries', () => {
    const lib = labelledLibrary();
    const misses: string[] = [];
    for (const { q, expect: want, context } of QUERIES) {
      const top = rankSkills(lib.current(), lib.index, null, { primary: q, context }, opts).map(
        (r) => r.revision.name,
      );
      if (!want.some((w) => top.includes(w)))
        misses.push(`${q} → ${top.join(', ')} (want ${want.join('|')})`);
    }
    const hitRate = 1 - misses.length / QUERIES.length;
    console.log(
      `top-3 hit rate ${(hitRate * 100).toFixed(1)}% over ${QUERIES.length} queries; misses:\n${misses.join('\n')}`,
    );
    expect(hitRate).toBeGreaterThanOrEqual(0.9);
  });

  it('orders deterministically, puts pinned skills first, and honours min_score and top_k', () => {
    const { lib } = freshLibrary();
    lib.apply(
      [
        { op: 'put', doc: doc('beta-deploy', 'deploy the app') },
        { op: 'put', doc: doc('alpha-deploy', 'deploy the app') },
        { op: 'put', doc: doc('always-on', 'house rules', '', { pinned: 'true' }) },
        { op: 'put', doc: doc('unrelated', 'bake bread') },
      ],
      'manual',
    );
    const run = (o = opts) =>
      rankSkills(lib.current(), lib.index, null, { primary: 'deploy app' }, o).map((r) => r.revision.name);
    expect(run()).toEqual(['always-on', 'alpha-deploy', 'beta-deploy']);
    expect(run()).toEqual(run());
    expect(run({ ...opts, topK: 1 })).toEqual(['always-on', 'alpha-deploy']);
    expect(run({ ...opts, minScore: 1e9 })).toEqual(['always-on']);
    expect(
      rankSkills(lib.current(), lib.index, null, { primary: 'sourdough' }, opts).map((r) => r.revision.name),
    ).toEqual(['always-on']);
  });

  it('with the shipped thresholds, a strong match drops the weak tail; no shared term, no skill', () => {
    const lib = labelledLibrary();
    const names = (q: string, o: typeof opts) =>
      rankSkills(lib.current(), lib.index, null, { primary: q }, { ...o, topK: 6 }).map(
        (r) => r.revision.name,
      );
    const q = 'pod keeps restarting with CrashLoopBackOff after the deploy';
    expect(names(q, shipped)[0]).toBe('kubernetes-debugging');
    expect(names(q, shipped).length).toBeLessThan(names(q, opts).length);
    expect(names('tell me a joke about cats', shipped)).toEqual([]);
  });

  it('weights the latest request over the context', () => {
    const { lib } = freshLibrary();
    lib.apply(
      [
        { op: 'put', doc: doc('docker-help', 'docker containers') },
        { op: 'put', doc: doc('sql-help', 'sql queries') },
      ],
      'manual',
    );
    const top = rankSkills(
      lib.current(),
      lib.index,
      null,
      { primary: 'sql', context: 'docker docker' },
      opts,
    );
    expect(top[0]!.revision.name).toBe('sql-help');
  });
});
