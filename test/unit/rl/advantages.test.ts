import { describe, expect, it } from 'vitest';
import { computeAdvantages } from '../../../src/learning/rl/advantages.js';

describe('computeAdvantages', () => {
  it('batch: whitens rewards across the batch (mean 0, unit std)', () => {
    const r = computeAdvantages(
      [
        { id: 'a', reward: 1 },
        { id: 'b', reward: -1 },
        { id: 'c', reward: 1 },
        { id: 'd', reward: -1 },
      ],
      'batch',
    );
    expect([...r.advantages.values()].map((v) => Math.round(v * 1000) / 1000)).toEqual([1, -1, 1, -1]);
    expect(r.zeroVariance).toBe(false);
  });

  it('batch: a batch with one reward everywhere is reported as zero-variance, not trained on', () => {
    const r = computeAdvantages(
      [
        { id: 'a', reward: 1 },
        { id: 'b', reward: 1 },
      ],
      'batch',
    );
    expect(r.zeroVariance).toBe(true);
    expect(r.advantages.size).toBe(0);
    expect(r.noSignal).toEqual(['a', 'b']);
  });

  it('group: GRPO within prompts; singleton and uniform groups carry no signal and do not dilute others', () => {
    const r = computeAdvantages(
      [
        { id: 'p1-a', reward: 1, groupKey: 'p1' },
        { id: 'p1-b', reward: 0, groupKey: 'p1' },
        { id: 'p2-a', reward: 1, groupKey: 'p2' },
        { id: 'p2-b', reward: 1, groupKey: 'p2' },
        { id: 'p3-a', reward: -1, groupKey: 'p3' },
      ],
      'group',
    );
    expect(r.advantages.get('p1-a')).toBeCloseTo(1);
    expect(r.advantages.get('p1-b')).toBeCloseTo(-1);
    expect(r.noSignal.sort()).toEqual(['p2-a', 'p2-b', 'p3-a']);
  });

  it('ema-baseline: reward minus a running mean that follows the batches', () => {
    const first = computeAdvantages(
      [
        { id: 'a', reward: 1 },
        { id: 'b', reward: 0 },
      ],
      'ema-baseline',
      { emaDecay: 0.5 },
    );
    expect(first.advantages.get('a')).toBeCloseTo(0.5);
    expect(first.advantages.get('b')).toBeCloseTo(-0.5);
    expect(first.baseline).toBeCloseTo(0.5);
    const second = computeAdvantages([{ id: 'c', reward: 1 }], 'ema-baseline', {
      baseline: first.baseline,
      emaDecay: 0.5,
    });
    expect(second.advantages.get('c')).toBeCloseTo(0.5);
    expect(second.baseline).toBeCloseTo(0.75);
  });

  it('rejects non-finite rewards, naming the sample', () => {
    expect(() => computeAdvantages([{ id: 'bad', reward: Number.NaN }], 'batch')).toThrow(/bad/);
  });
});
