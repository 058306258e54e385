import { describe, expect, it } from 'vitest';
import { type LearningTurn, partitionTurns } from '../../../src/learning/partition.js';

const t = (id: string, over: Partial<LearningTurn>): LearningTurn => ({
  id,
  kind: 'main',
  status: 'ok',
  libraryGeneration: 0,
  reward: 1,
  consumedByEvolution: null,
  ...over,
});

describe('partitionTurns (support / query separation)', () => {
  // Three generations: g0 failures consumed by evolution e1 (→ g1); g1 has fresh traffic, one
  // failure consumed by e2 (→ g2); g2 is current.
  const turns: LearningTurn[] = [
    t('g0-fail-a', { libraryGeneration: 0, reward: -1, consumedByEvolution: 1 }),
    t('g0-fail-b', { libraryGeneration: 0, reward: -1, consumedByEvolution: 1 }),
    t('g0-ok', { libraryGeneration: 0, reward: 1 }),
    t('g1-ok', { libraryGeneration: 1, reward: 1 }),
    t('g1-fail', { libraryGeneration: 1, reward: -1, consumedByEvolution: 2 }),
    t('g1-fail-late', { libraryGeneration: 1, reward: -1 }),
    t('g2-ok', { libraryGeneration: 2, reward: 1 }),
    t('g2-neutral', { libraryGeneration: 2, reward: 0 }),
    t('g2-fail', { libraryGeneration: 2, reward: -1 }),
    t('g2-unjudged', { libraryGeneration: 2, reward: null }),
    t('g2-side', { libraryGeneration: 2, kind: 'side', reward: -1 }),
    t('g2-error', { libraryGeneration: 2, status: 'error', reward: -1 }),
    t('g2-aborted', { libraryGeneration: 2, status: 'aborted', reward: null }),
  ];

  it('gives exact membership at the current generation', () => {
    expect(partitionTurns(turns, 2)).toEqual({
      support: ['g2-fail'],
      query: ['g2-ok', 'g2-neutral', 'g2-fail'],
      consumed: ['g0-fail-a', 'g0-fail-b', 'g1-fail'],
      stale: ['g0-ok', 'g1-ok', 'g1-fail-late'],
      unjudged: ['g2-unjudged'],
    });
  });

  it('a consumed support turn never re-enters the query set, whatever the generation', () => {
    for (const g of [0, 1, 2, 3]) {
      const sets = partitionTurns(turns, g);
      expect(sets.query).not.toContain('g0-fail-a');
      expect(sets.query).not.toContain('g1-fail');
      expect(sets.support).not.toContain('g1-fail');
    }
  });

  it('when the generation advances, unconsumed turns of the old one become stale', () => {
    const after = partitionTurns(turns, 3);
    expect(after.query).toEqual([]);
    expect(after.support).toEqual([]);
    expect(after.stale).toEqual(['g0-ok', 'g1-ok', 'g1-fail-late', 'g2-ok', 'g2-neutral', 'g2-fail']);
  });
});
