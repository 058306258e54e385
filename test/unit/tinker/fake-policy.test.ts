// The fake service's gradients are hand-derived; check them against finite differences so the
// learning tests rest on real gradients, not on a lucky sign.
import { describe, expect, it } from 'vitest';
import { type Adapter, adamStep, newAdamState, TinyPolicy, tokenLoss } from '../../fixtures/tinker/policy.js';
import { runForwardBackward } from '../../fixtures/tinker/training.js';

const policy = new TinyPolicy(8, 3);
const rank = 2;

function adapterWithB(): Adapter {
  const a = policy.newAdapter(rank, 5);
  a.B.forEach((_, i) => {
    a.B[i] = Math.sin(i + 1) * 0.3; // non-zero B so A gets gradient too
  });
  return a;
}

const datum = {
  model_input: { chunks: [{ type: 'encoded_text' as const, tokens: [1, 4, 2, 7, 3] }] },
  loss_fn_inputs: {
    target_tokens: { data: [4, 2, 7, 3, 5], dtype: 'int64' as const },
    logprobs: { data: [0, -2.1, -1.7, -2.4, -1.2], dtype: 'float32' as const },
    advantages: { data: [0, 1.5, -0.7, 0.9, -1.1], dtype: 'float32' as const },
  },
};

function totalLoss(
  a: Adapter,
  loss: 'cross_entropy' | 'importance_sampling' | 'ppo' | 'cispo',
  cfg = {},
): number {
  return runForwardBackward(policy, a, null, { data: [datum], loss_fn: loss, loss_fn_config: cfg }).metrics[
    'loss:sum'
  ];
}

describe('fake policy gradients', () => {
  for (const [loss, cfg] of [
    ['cross_entropy', {}],
    ['importance_sampling', {}],
    ['ppo', { clip_low_threshold: 0.9, clip_high_threshold: 1.1 }],
  ] as const) {
    it(`${loss}: analytic gradient = finite differences`, () => {
      const a = adapterWithB();
      const grad: Adapter = { A: new Float64Array(a.A.length), B: new Float64Array(a.B.length) };
      runForwardBackward(policy, a, grad, { data: [datum], loss_fn: loss, loss_fn_config: cfg });
      const h = 1e-6;
      for (const which of ['A', 'B'] as const) {
        for (let i = 0; i < a[which].length; i++) {
          const orig = a[which][i]!;
          a[which][i] = orig + h;
          const up = totalLoss(a, loss, cfg);
          a[which][i] = orig - h;
          const down = totalLoss(a, loss, cfg);
          a[which][i] = orig;
          expect(grad[which][i]!).toBeCloseTo((up - down) / (2 * h), 5);
        }
      }
    });
  }

  it('ppo clips: no gradient where the clipped term is the minimum', () => {
    // r = e^0.5 ≈ 1.65 > 1.2 with A > 0: clipped term binds, constant in lp.
    expect(tokenLoss('ppo', -1, -1.5, 1, 1, {})).toEqual({ loss: -1.2, g: 0 });
    // r < 0.8 with A > 0: the unclipped term is smaller, gradient flows.
    const r = Math.exp(-0.5);
    expect(tokenLoss('ppo', -1.5, -1, 1, 1, {}).g).toBeCloseTo(-r);
  });

  it('adam honours grad_clip_norm and zeroes the gradient', () => {
    const a = adapterWithB();
    const g: Adapter = { A: new Float64Array(a.A.length).fill(3), B: new Float64Array(a.B.length).fill(4) };
    const before = a.B.slice();
    const s = newAdamState(a);
    const hp = {
      learning_rate: 0.1,
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-12,
      weight_decay: 0,
      grad_clip_norm: 1,
    };
    const norm = adamStep(a, g, s, hp);
    expect(norm).toBeGreaterThan(1);
    expect(g.A.every((x) => x === 0) && g.B.every((x) => x === 0)).toBe(true);
    // First Adam step moves every parameter by ≈ lr against the gradient sign, whatever the clip.
    expect(before[0]! - a.B[0]!).toBeCloseTo(0.1, 6);
    expect(s.mB[0]).toBeCloseTo(0.1 * 4 * (1 / norm), 9);
  });
});
