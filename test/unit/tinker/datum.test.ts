import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDatum, DatumError } from '../../../src/learning/rl/datum.js';

describe('buildDatum', () => {
  it('lays out seq[:-1] / seq[1:] with zeros on prompt positions', () => {
    const d = buildDatum([10, 11, 12], [20, 21], [-0.5, -1.5], 2);
    expect(d).toEqual({
      model_input: { chunks: [{ type: 'encoded_text', tokens: [10, 11, 12, 20] }] },
      loss_fn_inputs: {
        target_tokens: { data: [11, 12, 20, 21], dtype: 'int64', shape: [4] },
        logprobs: { data: [0, 0, -0.5, -1.5], dtype: 'float32', shape: [4] },
        advantages: { data: [0, 0, 2, 2], dtype: 'float32', shape: [4] },
      },
    });
  });

  it('takes per-token advantages and typed arrays', () => {
    const d = buildDatum(Int32Array.of(5), Int32Array.of(6, 7), Float32Array.of(-1, -2), [0.25, -0.75]);
    expect(d.model_input.chunks[0]!.tokens).toEqual([5, 6]);
    expect(d.loss_fn_inputs.target_tokens!.data).toEqual([6, 7]);
    expect(d.loss_fn_inputs.logprobs!.data).toEqual([-1, -2]);
    expect(d.loss_fn_inputs.advantages!.data).toEqual([0.25, -0.75]);
    // Plain arrays: they must serialise as JSON arrays, not objects.
    expect(JSON.parse(JSON.stringify(d)).loss_fn_inputs.logprobs.data).toEqual([-1, -2]);
  });

  it('matches the reference layout for any prompt/response (property)', () => {
    const tok = fc.integer({ min: 0, max: 200_000 });
    fc.assert(
      fc.property(
        fc.array(tok, { minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(tok, fc.double({ min: -20, max: 0, noNaN: true })), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        (prompt, resp, adv) => {
          const response = resp.map((r) => r[0]);
          const lps = resp.map((r) => r[1]);
          const seq = [...prompt, ...response];
          const d = buildDatum(prompt, response, lps, adv);
          const T = seq.length - 1;
          const zeros = new Array(prompt.length - 1).fill(0);
          expect(d.model_input.chunks[0]!.tokens).toEqual(seq.slice(0, -1));
          expect(d.loss_fn_inputs.target_tokens!.data).toEqual(seq.slice(1));
          expect(d.loss_fn_inputs.logprobs!.data).toEqual([...zeros, ...lps]);
          expect(d.loss_fn_inputs.advantages!.data).toEqual([...zeros, ...response.map(() => adv)]);
          for (const t of Object.values(d.loss_fn_inputs)) expect(t.shape).toEqual([T]);
        },
      ),
    );
  });

  it('rejects non-finite numbers and bad tokens, naming the sample', () => {
    const bad = (f: () => unknown, msg: RegExp) => {
      expect(f).toThrow(DatumError);
      expect(f).toThrow(msg);
    };
    bad(
      () => buildDatum([1], [2, 3], [-1, Number.NaN], 1, { sample: 'turn-42' }),
      /sample turn-42: response logprob 1 is NaN/,
    );
    bad(
      () => buildDatum([1], [2], [-1], Number.POSITIVE_INFINITY, { sample: 't7' }),
      /sample t7: the advantage is Infinity/,
    );
    bad(
      () => buildDatum([1], [2, 3], [-1, -1], [0, Number.NaN], { sample: 't8' }),
      /sample t8: advantage 1 is NaN/,
    );
    bad(() => buildDatum([1, -2], [2], [-1], 1, { sample: 't9' }), /sample t9: prompt token 1 is -2/);
    bad(() => buildDatum([1], [2.5], [-1], 1, { sample: 't10' }), /response token 0 is 2.5/);
    bad(() => buildDatum([], [2], [-1], 1), /the prompt has no tokens/);
    bad(() => buildDatum([1], [], [], 1), /the response has no tokens/);
    bad(() => buildDatum([1], [2, 3], [-1], 1), /1 logprobs for 2 response tokens/);
    bad(() => buildDatum([1], [2, 3], [-1, -1], [1]), /1 advantages for 2 response tokens/);
  });
});
