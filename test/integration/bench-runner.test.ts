import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentFactory } from '../../src/bench/agent.js';
import { AnthropicAgent } from '../../src/bench/agent-anthropic.js';
import { loadBenchSet } from '../../src/bench/dataset.js';
import { writeReport } from '../../src/bench/output.js';
import { checkerEnv } from '../../src/bench/python.js';
import { summarize } from '../../src/bench/report.js';
import { BudgetExceeded, type RunOptions, runBench } from '../../src/bench/runner.js';
import { type BenchAgentMode, benchAgentReply } from '../fixtures/fake-llm/bench-agent.js';
import { type FakeLlm, type RecordedRequest, type Reply, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { tempHome } from '../helpers/tmp.js';

const set = loadBenchSet(path.resolve('test/fixtures/bench-synth'));
let fake: FakeLlm;
let mode: BenchAgentMode = 'key';
let failAfter = Number.POSITIVE_INFINITY;
let calls = 0;
let inFlight = 0;
let maxInFlight = 0;
const paths = new Set<string>();

beforeAll(async () => {
  fake = await startFakeLlm({ recordRequests: false });
  fake.script(script);
});
afterAll(() => fake.close());

async function script(req: RecordedRequest): Promise<Reply> {
  paths.add(req.path);
  if (++calls > failAfter) return { fault: { status: 400, message: 'killed' } };
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  await new Promise((r) => setTimeout(r, 5));
  inFlight--;
  return benchAgentReply(req, mode);
}

function run(out: string, extra: Partial<RunOptions> = {}) {
  return runBench({
    set,
    days: set.days,
    out,
    model: 'agent-model',
    conditions: [{ name: 'baseline', baseUrl: `${fake.url}/v1`, apiKey: 'k' }],
    checkerEnv: checkerEnv(path.join(out, '.bin')).env,
    ...extra,
  });
}

/** report.json without the figures that measure time, which no two runs share. */
function report(out: string, r: Awaited<ReturnType<typeof run>>) {
  writeReport(out, r.results, { data: set.root }, r.stats);
  const rep = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  for (const s of Object.values(rep.summary) as { wall_ms?: number }[]) delete s.wall_ms;
  for (const days of Object.values(rep.days) as Record<string, { wall_ms?: number }>[])
    for (const d of Object.values(days)) delete d.wall_ms;
  return rep;
}

/** Each test makes whole bench runs (spawned CLIs, checkers); allow for a busy machine. */
const SLOW = 120_000;

describe('bench runner with the built-in agent', () => {
  it(
    'an agent that answers from the key and writes compliant files scores 100 %, with its tokens',
    async () => {
      mode = 'key';
      const out = tempHome();
      const r = await run(out);
      const s = summarize(r.results, r.stats).baseline!;
      expect(s).toMatchObject({ rounds: 9, accuracy: 1, file_check_pass_rate: 1, mc_exact_rate: 1 });
      // Per day: mc 40+5; two file rounds (40+12 then 50+10) each; the closing feedback 40+2.
      expect(s).toMatchObject({
        input_tokens: 3 * 220,
        output_tokens: 3 * 49,
        calls: 18,
        learning_tokens: 0,
      });
      expect(s.tokens).toBe(3 * (269 + 42));
      expect(s.tokens_per_day).toEqual({ day01: 311, day02: 311, day03: 311 });
      writeReport(out, r.results, {}, r.stats);
      for (const f of [
        'report.json',
        'report.md',
        'plots/accuracy-per-day.svg',
        'plots/file-check-per-arc.svg',
        'plots/cumulative-tokens.svg',
      ])
        expect(fs.existsSync(path.join(out, f)), f).toBe(true);
      expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toContain(
        '| baseline | 100.0 % | 0.0 % |',
      );
    },
    SLOW,
  );

  it(
    'an agent that half-answers and writes nothing gets exactly the partial scores',
    async () => {
      mode = 'lazy';
      const { results } = await run(tempHome());
      // Per day: \bbox{A,B} vs key {A,C} of 4 options = 1 - 2/4 = 0.5; both file checks fail.
      expect(results.map((r) => r.score)).toEqual([0.5, 0, 0, 0.5, 0, 0, 0.5, 0, 0]);
      const s = summarize(results).baseline!;
      expect(s.accuracy).toBeCloseTo(1.5 / 9, 10);
      expect(s.per_day).toEqual({ day01: 0.5 / 3, day02: 0.5 / 3, day03: 0.5 / 3 });
      expect(s).toMatchObject({ file_check_pass_rate: 0, mc_exact_rate: 0 });
    },
    SLOW,
  );

  it(
    'a run that dies inside a round resumes after its last completed round, to the identical report',
    async () => {
      mode = 'key';
      const full = tempHome();
      const whole = report(full, await run(full));
      const out = tempHome();
      calls = 0;
      failAfter = 8; // 6 calls for day01; day02: round 1, then round 2's tool call, then its answer fails
      await expect(run(out)).rejects.toThrow();
      expect(fs.readdirSync(path.join(out, 'rounds')).sort()).toEqual([
        'baseline-day01.json',
        'baseline-day02.partial.json',
      ]);
      // The dying round had written its file; resuming puts back the workspace copy taken after round 1.
      expect(fs.existsSync(path.join(out, 'workspaces/baseline/day02/day02/work.log'))).toBe(true);
      failAfter = Number.POSITIVE_INFINITY;
      calls = 0;
      const resumed = await run(out);
      // Only what was left: day02's rounds 2 and 3 and its feedback (5 calls), then day03 (6).
      expect(calls).toBe(11);
      expect(report(out, resumed)).toEqual(whole);
      expect(fs.readdirSync(path.join(out, 'rounds')).filter((f) => f.includes('partial'))).toEqual([]);
    },
    SLOW,
  );

  it(
    '--max-calls / --max-tokens stop before the budget is exceeded, and the run resumes',
    async () => {
      mode = 'key';
      const full = tempHome();
      const whole = report(full, await run(full));
      const out = tempHome();
      calls = 0;
      await expect(run(out, { maxCalls: 4 })).rejects.toThrow(BudgetExceeded);
      expect(calls).toBe(4);
      await expect(run(out, { maxCalls: 4 })).rejects.toThrow('--max-calls 4 reached');
      expect(calls).toBe(4); // the budget counts the earlier part of the run too
      await expect(run(out, { maxTokens: 700 })).rejects.toThrow('--max-tokens 700 reached');
      expect(report(out, await run(out))).toEqual(whole);
    },
    SLOW,
  );

  it(
    '--jobs runs baseline days at once and gives the same results as one at a time',
    async () => {
      mode = 'key';
      const seq = await run(tempHome());
      maxInFlight = 0;
      const par = await run(tempHome(), { jobs: 3 });
      expect(maxInFlight).toBeGreaterThan(1);
      expect(par.results).toEqual(seq.results);
    },
    SLOW,
  );

  it(
    'questions.json groups each get their own feedback chain and closing feedback, as in the reference',
    async () => {
      mode = 'key';
      const dir = path.join(tempHome(), 'set');
      fs.cpSync(path.resolve('test/fixtures/bench-synth'), dir, { recursive: true });
      const file = path.join(dir, 'eval/day01/questions.json');
      const q = JSON.parse(fs.readFileSync(file, 'utf8'));
      fs.writeFileSync(
        file,
        JSON.stringify([
          { id: 'g1', rounds: q.rounds.slice(0, 2) },
          { id: 'g2', rounds: q.rounds.slice(2) },
        ]),
      );
      const grouped = loadBenchSet(dir);
      const seen: string[] = [];
      fake.script((req) => {
        const msgs = req.body.messages as { role: string; content: unknown }[];
        const last = msgs[msgs.length - 1]!;
        if (last.role === 'user') seen.push(String(last.content).split('\n')[0]!);
        return benchAgentReply(req, 'key');
      });
      try {
        const r = await run(tempHome(), { set: grouped, days: grouped.days.slice(0, 1) });
        expect(r.results.map((x) => x.score)).toEqual([1, 1, 1]);
      } finally {
        fake.script(script);
      }
      expect(seen).toEqual([
        'Day 01: which statements about the notes in day01/notes.md are true?',
        '[Previous Feedback] Correct.',
        '[Previous Feedback] The log is well formed.', // g1 closes alone
        'Day 01: write a one-line summary into day01/summary.txt.', // g2 starts without feedback
        '[Previous Feedback] Summary saved.',
      ]);
    },
    SLOW,
  );

  it(
    'the Anthropic Messages agent (official SDK) runs the same protocol',
    async () => {
      mode = 'key';
      paths.clear();
      const anthropic: AgentFactory = (ctx) => new AnthropicAgent(ctx);
      const r = await run(tempHome(), {
        agent: anthropic,
        conditions: [{ name: 'baseline', baseUrl: fake.url, apiKey: 'k' }],
      });
      expect([...paths]).toEqual(['/v1/messages']);
      expect(summarize(r.results, r.stats).baseline).toMatchObject({ accuracy: 1, input_tokens: 660 });
    },
    SLOW,
  );
});
