import { describe, expect, it } from 'vitest';
import { buildView } from '../../../src/protocol/view.js';
import { BlockComposer } from '../../../src/skills/budget.js';
import { blockEntries, buildCandidate, isCandidateId } from '../../../src/skills/candidate.js';
import { SkillInjector } from '../../../src/skills/inject.js';
import { doc, freshLibrary } from './helpers.js';

function setup() {
  const { lib, db } = freshLibrary();
  lib.apply(
    [
      {
        op: 'put',
        doc: doc(
          'git-hygiene',
          'Commit small focused changes with messages that say why',
          'Check git status.',
        ),
      },
      { op: 'put', doc: doc('bake-bread', 'Bake sourdough bread at home', 'Feed the starter.') },
    ],
    'manual',
  );
  const inj = new SkillInjector(lib, new BlockComposer({ count: (t) => Math.ceil(t.length / 4) }), null, {
    mode: 'lexical',
    topK: 3,
    maxFull: 3,
    budgetTokens: 2000,
    minScore: 0,
    minRelative: 0.45,
    minSimilarity: 0,
    requireHeadMatch: true,
    fullMinCoverage: 0.05,
    contextMessages: 2,
    placement: 'user',
  });
  return { lib, db, inj };
}

const ask = (text: string) => buildView('openai-chat', { messages: [{ role: 'user', content: text }] });

describe('candidate library', () => {
  it('applies a change set for retrieval only: the live snapshot, index and store are untouched', async () => {
    const { lib, db, inj } = setup();
    const live = lib.current();
    const liveIndexSize = lib.index.size;
    const cand = await buildCandidate(lib, [
      { op: 'put', doc: doc('weather-report', 'Report the weather in Celsius', 'Use °C.') },
      { op: 'remove', name: 'bake-bread' },
    ]);
    expect(cand.base).toBe(live.generation);
    expect(cand.snap.generation).toBe(live.generation + 1);
    expect([...cand.snap.byName.keys()]).toEqual(['git-hygiene', 'weather-report']);
    expect(cand.snap.size).toBe(2);
    expect(cand.index.size).toBe(2);
    expect([...cand.changed.keys()]).toEqual(['weather-report']);
    expect(isCandidateId(cand.changed.get('weather-report')!.id)).toBe(true);
    expect([...cand.removed]).toEqual(['bake-bread']);
    // Nothing committed, nothing live changed.
    expect(lib.current()).toBe(live);
    expect(lib.index.size).toBe(liveIndexSize);
    expect(lib.repo.currentGeneration()).toBe(live.generation);
    expect((db.prepare('SELECT COUNT(*) AS n FROM skill_revisions').get() as { n: number }).n).toBe(2);

    // Retrieval from the candidate finds the new skill; the live library does not have it.
    const view = ask('what is the weather in Paris?');
    const fromCandidate = inj.select(view, cand);
    expect(fromCandidate.ranked.map((r) => r.revision.name)).toEqual(['weather-report']);
    expect(inj.select(view).ranked).toEqual([]);
    // The removed skill is gone from the candidate only.
    expect(inj.select(ask('bake sourdough bread'), cand).ranked).toEqual([]);
    expect(inj.select(ask('bake sourdough bread')).ranked.map((r) => r.revision.name)).toEqual([
      'bake-bread',
    ]);
  });

  it('a put equal to the live revision keeps it; an update replaces it; injectWith reports both', async () => {
    const { lib, inj } = setup();
    const git = lib.current().byName.get('git-hygiene')!;
    const same = await buildCandidate(lib, [
      { op: 'put', doc: { frontmatter: git.frontmatter, body: git.body } },
    ]);
    expect(same.changed.get('git-hygiene')!.id).toBe(git.id);
    const upd = await buildCandidate(lib, [
      {
        op: 'put',
        doc: doc('git-hygiene', 'Commit small focused changes; never force-push', 'Ask before force-push.'),
      },
    ]);
    const rev = upd.changed.get('git-hygiene')!;
    expect(rev.id).not.toBe(git.id);
    expect(rev.revision).toBe(git.revision + 1);
    const body = { messages: [{ role: 'user', content: 'commit my changes' }] };
    const out = inj.injectWith(body, buildView('openai-chat', body), upd);
    expect(out.injectedRevisionIds).toEqual([rev.id]);
    expect(JSON.stringify(out.body)).toContain('never force-push');
    expect(blockEntries(out.block, (id) => upd.names.get(id))).toEqual([
      { id: rev.id, name: 'git-hygiene', how: 'full' },
    ]);
    // Candidate ids are never reused (the composer caches pieces by id).
    const again = await buildCandidate(lib, [
      { op: 'put', doc: doc('git-hygiene', 'Something else about commits', 'Other text.') },
    ]);
    expect(again.changed.get('git-hygiene')!.id).not.toBe(rev.id);
  });

  it('blockEntries tells full bodies from one-liners', () => {
    expect(
      blockEntries(
        { text: '## Skills\n\n### a\nx\n\nAlso relevant:\n- b: y\n', revisionIds: [1, 2] },
        (id) => (id === 1 ? 'a' : 'b'),
      ),
    ).toEqual([
      { id: 1, name: 'a', how: 'full' },
      { id: 2, name: 'b', how: 'line' },
    ]);
    expect(blockEntries({ text: '', revisionIds: [1, 2], full: 0 }, () => 'a').map((e) => e.how)).toEqual([
      'line',
      'line',
    ]);
    expect(blockEntries(null, () => 'a')).toEqual([]);
  });
});
