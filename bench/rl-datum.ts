// Datum construction benchmark: a batch of 64 samples × 8k tokens (6k prompt + 2k response), the
// budget of issue 5 (≤ 50 ms per batch), against a naive spread/slice/map implementation in the
// same run. JSON serialisation of the batch (what forward_backward then sends) is shown for scale.
//
// Each timed run starts after a gc(); p50 is held to the budget, max shown.
//
//   npx tsx bench/rl-datum.ts [--batch 64] [--prompt 6144] [--response 2048] [--runs 30]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { buildDatum } from '../src/learning/rl/datum.js';
import type { Datum } from '../src/learning/tinker/types.js';

const { values: a } = parseArgs({
  options: {
    batch: { type: 'string', default: '64' },
    prompt: { type: 'string', default: '6144' },
    response: { type: 'string', default: '2048' },
    runs: { type: 'string', default: '30' },
  },
});
const B = Number(a.batch);
const P = Number(a.prompt);
const R = Number(a.response);
const RUNS = Number(a.runs);
const BUDGET_MS = 50;

// A trainer builds one batch per step, minutes apart: collect the previous batch's garbage before
// each timed run so a run pays for its own allocations, not for the last run's.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let seed = 7;
const rand = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 4294967296;
};
const samples = Array.from({ length: B }, () => ({
  prompt: Array.from({ length: P }, () => Math.floor(rand() * 150_000)),
  response: Array.from({ length: R }, () => Math.floor(rand() * 150_000)),
  logprobs: Array.from({ length: R }, () => -rand() * 5),
  advantage: rand() * 2 - 1,
}));

/** The obvious version: concatenate, slice, spread zero padding, validate with every(). */
function naiveDatum(prompt: number[], response: number[], logprobs: number[], advantage: number): Datum {
  const seq = [...prompt, ...response];
  const pad = new Array(prompt.length - 1).fill(0);
  const lp = [...pad, ...logprobs];
  const adv = [...pad, ...response.map(() => advantage)];
  if (!lp.every(Number.isFinite) || !adv.every(Number.isFinite)) throw new Error('non-finite');
  if (!seq.every((t) => Number.isInteger(t) && t >= 0)) throw new Error('bad token');
  return {
    model_input: { chunks: [{ type: 'encoded_text', tokens: seq.slice(0, -1) }] },
    loss_fn_inputs: {
      target_tokens: { data: seq.slice(1), dtype: 'int64', shape: [seq.length - 1] },
      logprobs: { data: lp, dtype: 'float32', shape: [lp.length] },
      advantages: { data: adv, dtype: 'float32', shape: [adv.length] },
    },
  };
}

type Build = (s: (typeof samples)[number]) => Datum;
interface Timing {
  p50: number;
  max: number;
  out: Datum[];
}

/** Runs both implementations alternately so machine noise hits them alike. */
function measure(builds: Build[]): Timing[] {
  const times = builds.map(() => [] as number[]);
  const outs: Datum[][] = builds.map(() => []);
  for (let i = 0; i < 5; i++) for (const b of builds) samples.map(b); // warm-up (JIT)
  for (let i = 0; i < RUNS; i++) {
    builds.forEach((build, k) => {
      outs[k] = [];
      gc();
      const t0 = performance.now();
      outs[k] = samples.map(build);
      times[k]!.push(performance.now() - t0);
    });
  }
  return times.map((ts, k) => {
    ts.sort((x, y) => x - y);
    return { p50: ts[Math.floor(ts.length / 2)]!, max: ts[ts.length - 1]!, out: outs[k]! };
  });
}

const [fast, naive] = measure([
  (s) => buildDatum(s.prompt, s.response, s.logprobs, s.advantage),
  (s) => naiveDatum(s.prompt, s.response, s.logprobs, s.advantage),
]) as [Timing, Timing];
if (JSON.stringify(fast.out[0]) !== JSON.stringify(naive.out[0])) throw new Error('implementations disagree');

const t0 = performance.now();
const json = JSON.stringify({ data: fast.out });
const stringifyMs = performance.now() - t0;

const pass = fast.p50 <= BUDGET_MS;
console.log(
  `datum batch: ${B} samples × ${P + R} tokens (prompt ${P}, response ${R}), ${RUNS} runs, node ${process.version}`,
);
console.log('impl         p50 ms   max ms');
console.log(
  `buildDatum   ${fast.p50.toFixed(1).padStart(7)} ${fast.max.toFixed(1).padStart(8)}   budget ${BUDGET_MS} ms: ${pass ? 'pass' : 'FAIL'}`,
);
console.log(
  `naive        ${naive.p50.toFixed(1).padStart(7)} ${naive.max.toFixed(1).padStart(8)}   (${(naive.p50 / fast.p50).toFixed(1)}× slower)`,
);
console.log(
  `(for scale) JSON.stringify of the batch: ${stringifyMs.toFixed(0)} ms, ${(json.length / 1e6).toFixed(1)} MB`,
);
console.log(
  JSON.stringify({
    bench: 'rl-datum',
    batch: B,
    tokens: P + R,
    buildDatum: { p50Ms: fast.p50, maxMs: fast.max },
    naive: { p50Ms: naive.p50, maxMs: naive.max },
    stringifyMs,
    budgetMs: BUDGET_MS,
    pass,
  }),
);
process.exitCode = pass ? 0 : 1;
