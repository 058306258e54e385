// Token-exact training datum in the layout the Tinker losses expect (cookbook):
//   model_input = seq[:-1] (one encoded_text chunk), target_tokens = seq[1:],
//   logprobs / advantages of length T = |seq| - 1, zero on prompt positions.
// Position t of the input predicts target_tokens[t], so response token j (seq index P + j) sits at
// t = P - 1 + j. Hot path of every training step (64 × 8k tokens per batch): single passes,
// preallocated arrays, no spreads or intermediate copies.
import type { Datum } from '../tinker/types.js';

export class DatumError extends Error {
  readonly code = 'datum_invalid';
  constructor(
    readonly sample: string,
    message: string,
  ) {
    super(`sample ${sample}: ${message}`);
  }
}

export interface DatumOptions {
  /** Names the sample (e.g. its turn id) in errors. */
  sample?: string;
}

export function buildDatum(
  promptTokens: ArrayLike<number>,
  responseTokens: ArrayLike<number>,
  responseLogprobs: ArrayLike<number>,
  advantages: number | ArrayLike<number>,
  o: DatumOptions = {},
): Datum {
  const sample = o.sample ?? '(unnamed)';
  const P = promptTokens.length;
  const R = responseTokens.length;
  if (P < 1) throw new DatumError(sample, 'the prompt has no tokens');
  if (R < 1) throw new DatumError(sample, 'the response has no tokens');
  if (responseLogprobs.length !== R)
    throw new DatumError(sample, `${responseLogprobs.length} logprobs for ${R} response tokens`);
  const scalar = typeof advantages === 'number';
  if (!scalar && advantages.length !== R)
    throw new DatumError(sample, `${advantages.length} advantages for ${R} response tokens`);
  if (scalar && advantages - advantages !== 0)
    throw new DatumError(sample, `the advantage is ${advantages} (must be finite)`);

  const T = P + R - 1;
  const input = new Array<number>(T);
  const target = new Array<number>(T);
  const logprobs = new Array<number>(T);
  const adv = new Array<number>(T);

  // The first P-1 positions predict prompt tokens: no gradient, zero weight.
  for (let t = 0; t < P - 1; t++) {
    const tok = promptTokens[t]!;
    // Token ids are integers in [0, 2^32): real vocabularies are far smaller than int64.
    if (tok >>> 0 !== tok) badToken(sample, 'prompt', t, tok);
    input[t] = tok;
    target[t] = promptTokens[t + 1]!;
    logprobs[t] = 0;
    adv[t] = 0;
  }
  const lastPrompt = promptTokens[P - 1]!;
  if (lastPrompt >>> 0 !== lastPrompt) badToken(sample, 'prompt', P - 1, lastPrompt);
  input[P - 1] = lastPrompt;
  for (let j = 0; j < R; j++) {
    const t = P - 1 + j;
    const tok = responseTokens[j]!;
    if (tok >>> 0 !== tok) badToken(sample, 'response', j, tok);
    target[t] = tok;
    if (j < R - 1) input[t + 1] = tok;
    const lp = responseLogprobs[j]!;
    // x - x is NaN exactly for NaN and ±Infinity: one subtraction instead of Number.isFinite.
    if (lp - lp !== 0) throw new DatumError(sample, `response logprob ${j} is ${lp} (must be finite)`);
    logprobs[t] = lp;
    if (scalar) adv[t] = advantages;
    else {
      const a = advantages[j]!;
      if (a - a !== 0) throw new DatumError(sample, `advantage ${j} is ${a} (must be finite)`);
      adv[t] = a;
    }
  }
  const shape = [T];
  return {
    model_input: { chunks: [{ type: 'encoded_text', tokens: input }] },
    loss_fn_inputs: {
      target_tokens: { data: target, dtype: 'int64', shape },
      logprobs: { data: logprobs, dtype: 'float32', shape },
      advantages: { data: adv, dtype: 'float32', shape },
    },
  };
}

function badToken(sample: string, where: string, i: number, tok: number): never {
  throw new DatumError(sample, `${where} token ${i} is ${tok} (must be a non-negative integer id)`);
}
