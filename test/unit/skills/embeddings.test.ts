import { describe, expect, it } from 'vitest';
import { type Embedder, EmbeddingIndex, normalise } from '../../../src/skills/embeddings.js';
import type { SkillLibrary } from '../../../src/skills/library.js';
import { rankSkills } from '../../../src/skills/retrieval.js';
import { doc, freshLibrary } from './helpers.js';

/** A deterministic "semantic" embedder: words map to concepts, so synonyms meet without shared words. */
const CONCEPTS: Record<string, number> = {
  car: 0,
  automobile: 0,
  vehicle: 0,
  bread: 1,
  sourdough: 1,
  loaf: 1,
  money: 2,
  budget: 2,
  finances: 2,
};
class FakeEmbedder implements Embedder {
  readonly model = 'fake-concepts';
  calls: string[][] = [];
  fail = false;
  async embed(texts: string[]): Promise<Float32Array[]> {
    this.calls.push(texts);
    if (this.fail) throw new Error('endpoint down');
    return texts.map((t) => {
      const v = new Float32Array(4).fill(0.01);
      for (const w of t.toLowerCase().split(/\W+/)) if (w in CONCEPTS) v[CONCEPTS[w]!]! += 1;
      return normalise(v);
    });
  }
}

function library() {
  const { lib, file } = freshLibrary();
  lib.apply(
    [
      { op: 'put', doc: doc('car-maintenance', 'Keep a car running: oil, tyres, brakes') },
      { op: 'put', doc: doc('bread-baking', 'Bake sourdough bread at home') },
      { op: 'put', doc: doc('personal-budget', 'Track money and plan a monthly budget') },
    ],
    'manual',
  );
  return { lib, file };
}

function track(lib: SkillLibrary, idx: EmbeddingIndex) {
  idx.track(lib.current());
  lib.onChange((snap, added) => idx.track(snap, added));
}

const o = { topK: 1, minScore: 0, minSimilarity: 0.3 };

describe('embedding retrieval', () => {
  it('never waits: the first call is lexical, follow-ups for the same request use the vectors', async () => {
    const { lib } = library();
    const emb = new FakeEmbedder();
    const idx = new EmbeddingIndex(emb, lib.repo, { batchSize: 16 });
    track(lib, idx);
    const q = { primary: 'my automobile makes a noise' };
    // No shared words with "car-maintenance": lexical finds nothing, and the vector is not there yet.
    expect(rankSkills(lib.current(), lib.index, idx, q, { ...o, mode: 'hybrid' })).toEqual([]);
    await idx.idle();
    expect(idx.size).toBe(3);
    const top = rankSkills(lib.current(), lib.index, idx, q, { ...o, mode: 'hybrid' });
    expect(top.map((r) => r.revision.name)).toEqual(['car-maintenance']);
    expect(
      rankSkills(
        lib.current(),
        lib.index,
        idx,
        { primary: 'a loaf for dinner' },
        { ...o, mode: 'embedding' },
      ),
    ).toEqual([]);
    await idx.idle();
    expect(
      rankSkills(
        lib.current(),
        lib.index,
        idx,
        { primary: 'a loaf for dinner' },
        { ...o, mode: 'embedding' },
      )[0]!.revision.name,
    ).toBe('bread-baking');
  });

  it('caches vectors per revision in the store: only new or changed revisions are embedded', async () => {
    const { lib, file } = library();
    const first = new FakeEmbedder();
    const idx = new EmbeddingIndex(first, lib.repo, { batchSize: 16 });
    track(lib, idx);
    await idx.idle();
    expect(first.calls.flat()).toHaveLength(3);
    lib.apply([{ op: 'put', doc: doc('bread-baking', 'Bake a sourdough loaf, revised') }], 'manual');
    await idx.idle();
    expect(first.calls.flat()).toHaveLength(4);
    // A restarted service loads every vector from the store and embeds nothing.
    const again = freshLibrary({ file });
    const second = new FakeEmbedder();
    const idx2 = new EmbeddingIndex(second, again.lib.repo, { batchSize: 16 });
    idx2.track(again.lib.current());
    await idx2.idle();
    expect(second.calls).toEqual([]);
    expect(idx2.size).toBe(3);
  });

  it('an endpoint failure is reported and retrieval stays lexical', async () => {
    const { lib } = library();
    const emb = new FakeEmbedder();
    emb.fail = true;
    const idx = new EmbeddingIndex(emb, lib.repo, { batchSize: 16 });
    track(lib, idx);
    await idx.idle();
    expect(idx.lastError).toMatch(/endpoint down/);
    const top = rankSkills(
      lib.current(),
      lib.index,
      idx,
      { primary: 'bake bread' },
      { ...o, mode: 'hybrid' },
    );
    expect(top[0]!.revision.name).toBe('bread-baking');
    idx.stop();
  });
});
