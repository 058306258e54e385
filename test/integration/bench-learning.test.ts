import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicAgent } from '../../src/bench/agent-anthropic.js';
import { loadBenchSet } from '../../src/bench/dataset.js';
import { checkerEnv } from '../../src/bench/python.js';
import { summarize } from '../../src/bench/report.js';
import { runBench } from '../../src/bench/runner.js';
import { type LearningService, startLearningService } from '../../src/bench/service.js';
import { benchAgentReply, isAgentRequest, RULE_MARKER } from '../fixtures/fake-llm/bench-agent.js';
import {
  type FakeLlm,
  lastUserText,
  type RecordedRequest,
  startFakeLlm,
  systemText,
} from '../fixtures/fake-llm/index.js';
import { tempHome } from '../helpers/tmp.js';

/**
 * The paper's claim in miniature: an agent that follows a hidden rule (log lines start with
 * "[LOG] ") only when a skill tells it to. Baseline never learns it; through MetaClaw the judge
 * flags day01's log, the evolver writes the rule down, and later days pass.
 */
const set = loadBenchSet(path.resolve('test/fixtures/bench-synth'));
let fake: FakeLlm;
const services: LearningService[] = [];
let evolverCalls = 0;
let judgeCalls = 0;
/** Other requests without tools: MetaClaw's own calls that are neither judge nor evolver. */
let otherLearningCalls = 0;
const agentPaths = new Set<string>();
let agentCalls = 0;
let failAgentAfter = Number.POSITIVE_INFINITY;

const isJudge = (r: RecordedRequest) => systemText(r).includes('You evaluate one response');
const isEvolver = (r: RecordedRequest) => systemText(r).includes('You maintain a library of skills');

beforeAll(async () => {
  fake = await startFakeLlm({ recordRequests: false });
  fake.script((req) => {
    if (isJudge(req)) {
      judgeCalls++;
      const p = lastUserText(req);
      const response = p.slice(p.indexOf('## Response'), p.indexOf('## Next state'));
      const bad = response.includes('work.log: reviewed');
      return {
        text: bad ? 'The log lines lack the [LOG] prefix.\nScore: -1' : 'Fine.\nScore: 1',
        usage: { input: 100, output: 7 },
      };
    }
    if (isEvolver(req)) {
      evolverCalls++;
      return {
        usage: { input: 300, output: 60 },
        text: JSON.stringify({
          ops: [
            {
              op: 'add',
              name: 'log-line-prefix',
              description: 'How to write log files (work.log) for this user',
              body: `When you record work in a log file, start every line with "[LOG] ". (${RULE_MARKER})`,
              category: 'preferences',
            },
          ],
        }),
      };
    }
    if (isAgentRequest(req)) {
      if (++agentCalls > failAgentAfter) return { fault: { status: 400, message: 'killed' } };
      agentPaths.add(req.path);
      return benchAgentReply(req, 'rule');
    }
    otherLearningCalls++;
    return { text: 'ok', usage: { input: 1, output: 1 } };
  });
});
afterAll(async () => {
  for (const s of services) await s.close();
  await fake.close();
});

async function skillsService(out: string, protocol: 'openai' | 'anthropic'): Promise<LearningService> {
  const base = protocol === 'anthropic' ? fake.url : `${fake.url}/v1`;
  const svc = await startLearningService({
    name: 'skills',
    home: path.join(out, 'home'),
    protocol,
    upstream: { provider: protocol, base_url: base, api_key: 'k', model: 'agent-model' },
    extraConfig: {
      judge: { enabled: true, model: 'judge-model', votes: 1 },
      evolution: { min_failures: 1, debounce_ms: 0, verify: false },
      skills: { enabled: true },
    },
  });
  services.push(svc);
  return svc;
}

/** Each test makes whole bench runs (spawned CLIs, checkers); allow for a busy machine. */
const SLOW = 120_000;

describe('bench learning conditions', () => {
  it(
    'a hidden-rule agent stays flat under baseline and rises under skills; learning tokens are counted',
    async () => {
      const out = tempHome();
      const env = checkerEnv(path.join(out, '.bin')).env;
      const svc = await skillsService(out, 'openai');
      judgeCalls = evolverCalls = otherLearningCalls = 0;
      const { results, stats } = await runBench({
        set,
        days: set.days,
        out,
        model: 'agent-model',
        conditions: [{ name: 'baseline', baseUrl: `${fake.url}/v1`, apiKey: 'k' }, svc.endpoint],
        checkerEnv: env,
      });
      const s = summarize(results, stats);
      // Baseline: the log check fails every day (2/3 per day).
      expect(Object.values(s.baseline!.per_day)).toEqual([2 / 3, 2 / 3, 2 / 3]);
      // Skills: day01 fails the log like baseline; after the day's session is judged and evolved, later days pass.
      expect(s.skills!.per_day.day01).toBeCloseTo(2 / 3, 10);
      expect(s.skills!.per_day.day02).toBe(1);
      expect(s.skills!.per_day.day03).toBe(1);
      expect(s.skills!.accuracy).toBeGreaterThan(s.baseline!.accuracy);
      expect(evolverCalls).toBeGreaterThanOrEqual(1);
      // Learning tokens: exactly what the judge and evolver calls cost upstream; none for the baseline.
      expect(judgeCalls).toBeGreaterThan(0);
      expect(s.baseline!.learning_tokens).toBe(0);
      expect(s.skills!.learning_calls).toBe(judgeCalls + evolverCalls + otherLearningCalls);
      expect(s.skills!.learning_tokens).toBe(judgeCalls * 107 + evolverCalls * 360 + otherLearningCalls * 2);
      // Serving tokens are the agent's own, the same figure the baseline's agent spends on the same replies.
      expect(s.skills!.tokens).toBeGreaterThan(0);
    },
    SLOW,
  );

  it(
    'a skills run stopped inside a day resumes (MetaClaw restarted on the same home) to the same results',
    async () => {
      const runSkills = (out: string, svc: LearningService) =>
        runBench({
          set,
          days: set.days,
          out,
          model: 'agent-model',
          conditions: [svc.endpoint],
          checkerEnv: checkerEnv(path.join(out, '.bin')).env,
        });
      const whole = await runSkills(tempHome(), await skillsService(tempHome(), 'openai'));
      const out = tempHome();
      agentCalls = 0;
      failAgentAfter = 8; // inside day02's second round
      const first = await skillsService(out, 'openai');
      await expect(runSkills(out, first)).rejects.toThrow();
      await first.close();
      failAgentAfter = Number.POSITIVE_INFINITY;
      const resumed = await runSkills(out, await skillsService(out, 'openai'));
      expect(resumed.results).toEqual(whole.results);
      expect(summarize(resumed.results).skills!.per_day).toEqual({ day01: 2 / 3, day02: 1, day03: 1 });
    },
    SLOW,
  );

  it(
    'the Anthropic Messages agent learns through MetaClaw the same way',
    async () => {
      const out = tempHome();
      const svc = await skillsService(out, 'anthropic');
      agentPaths.clear();
      const { results } = await runBench({
        set,
        days: set.days,
        out,
        model: 'agent-model',
        agent: (ctx) => new AnthropicAgent(ctx),
        conditions: [svc.endpoint],
        checkerEnv: checkerEnv(path.join(out, '.bin')).env,
      });
      expect([...agentPaths]).toEqual(['/v1/messages']);
      const s = summarize(results).skills!;
      expect(s.per_day.day01).toBeCloseTo(2 / 3, 10);
      expect(s.per_day.day03).toBe(1);
    },
    SLOW,
  );
});
