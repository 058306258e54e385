import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBenchSet } from '../../src/bench/dataset.js';
import { writeReport } from '../../src/bench/output.js';
import { checkerEnv } from '../../src/bench/python.js';
import { summarize } from '../../src/bench/report.js';
import { runBench } from '../../src/bench/runner.js';
import { type BenchAgentMode, benchAgentReply } from '../fixtures/fake-llm/bench-agent.js';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { tempHome } from '../helpers/tmp.js';

const set = loadBenchSet(path.resolve('test/fixtures/bench-synth'));
let fake: FakeLlm;
let mode: BenchAgentMode = 'key';
let failAfter = Number.POSITIVE_INFINITY;
let calls = 0;

beforeAll(async () => {
  fake = await startFakeLlm({ recordRequests: false });
  fake.script((req) => {
    if (++calls > failAfter) return { fault: { status: 400, message: 'killed' } };
    return benchAgentReply(req, mode);
  });
});
afterAll(() => fake.close());

async function run(out: string) {
  const env = checkerEnv(path.join(out, '.bin')).env;
  return runBench({
    set,
    days: set.days,
    out,
    model: 'agent-model',
    conditions: [{ name: 'baseline', baseUrl: `${fake.url}/v1`, apiKey: 'k' }],
    checkerEnv: env,
  });
}

describe('bench runner with the built-in agent', () => {
  it('an agent that answers from the key and writes compliant files scores 100 %', async () => {
    mode = 'key';
    const out = tempHome();
    const { results } = await run(out);
    const s = summarize(results).baseline!;
    expect(s).toMatchObject({ rounds: 9, accuracy: 1, file_check_pass_rate: 1, mc_exact_rate: 1 });
    writeReport(out, results, {});
    for (const f of [
      'report.json',
      'report.md',
      'plots/accuracy-per-day.svg',
      'plots/file-check-per-arc.svg',
      'plots/cumulative-tokens.svg',
    ])
      expect(fs.existsSync(path.join(out, f)), f).toBe(true);
  });

  it('an agent that half-answers and writes nothing gets exactly the partial scores', async () => {
    mode = 'lazy';
    const { results } = await run(tempHome());
    // Per day: \bbox{A,B} vs key {A,C} of 4 options = 1 - 2/4 = 0.5; both file checks fail.
    expect(results.map((r) => r.score)).toEqual([0.5, 0, 0, 0.5, 0, 0, 0.5, 0, 0]);
    const s = summarize(results).baseline!;
    expect(s.accuracy).toBeCloseTo(1.5 / 9, 10);
    expect(s.per_day).toEqual({ day01: 0.5 / 3, day02: 0.5 / 3, day03: 0.5 / 3 });
    expect(s).toMatchObject({ file_check_pass_rate: 0, mc_exact_rate: 0 });
  });

  it('a run killed mid-day resumes to the identical report', async () => {
    mode = 'key';
    const full = tempHome();
    const { results: whole } = await run(full);
    const out = tempHome();
    calls = 0;
    failAfter = 9; // dies inside day02
    await expect(run(out)).rejects.toThrow();
    expect(fs.readdirSync(path.join(out, 'rounds'))).toEqual(['baseline-day01.json']);
    failAfter = Number.POSITIVE_INFINITY;
    const { results: resumed } = await run(out);
    expect(summarize(resumed)).toEqual(summarize(whole));
    expect(resumed).toEqual(whole);
  });
});
