import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
let svc: LearningService;
let evolverCalls = 0;

const isJudge = (r: RecordedRequest) => systemText(r).includes('You evaluate one response');
const isEvolver = (r: RecordedRequest) => systemText(r).includes('You maintain a library of skills');

beforeAll(async () => {
  fake = await startFakeLlm({ recordRequests: false });
  fake.script((req) => {
    if (isJudge(req)) {
      const p = lastUserText(req);
      const response = p.slice(p.indexOf('## Response'), p.indexOf('## Next state'));
      const bad = response.includes('work.log: reviewed');
      return { text: bad ? 'The log lines lack the [LOG] prefix.\nScore: -1' : 'Fine.\nScore: 1' };
    }
    if (isEvolver(req)) {
      evolverCalls++;
      return {
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
    if (isAgentRequest(req)) return benchAgentReply(req, 'rule');
    return { text: 'ok' };
  });
});
afterAll(async () => {
  await svc?.close();
  await fake.close();
});

describe('bench learning conditions', () => {
  it('a hidden-rule agent stays flat under baseline and rises under skills', async () => {
    const out = tempHome();
    const env = checkerEnv(path.join(out, '.bin')).env;
    svc = await startLearningService({
      name: 'skills',
      home: path.join(out, 'home'),
      upstream: { provider: 'openai', base_url: `${fake.url}/v1`, api_key: 'k', model: 'agent-model' },
      extraConfig: {
        judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge-model', votes: 1 },
        evolution: { min_failures: 1, debounce_ms: 0, verify: false },
        skills: { enabled: true },
      },
    });
    const { results } = await runBench({
      set,
      days: set.days,
      out,
      model: 'agent-model',
      conditions: [{ name: 'baseline', baseUrl: `${fake.url}/v1`, apiKey: 'k' }, svc.endpoint],
      checkerEnv: env,
    });
    const s = summarize(results);
    // Baseline: the log check fails every day (2/3 per day).
    expect(Object.values(s.baseline!.per_day)).toEqual([2 / 3, 2 / 3, 2 / 3]);
    // Skills: day01 fails the log like baseline; after the day's session is judged and evolved, later days pass.
    expect(s.skills!.per_day.day01).toBeCloseTo(2 / 3, 10);
    expect(s.skills!.per_day.day02).toBe(1);
    expect(s.skills!.per_day.day03).toBe(1);
    expect(s.skills!.accuracy).toBeGreaterThan(s.baseline!.accuracy);
    expect(evolverCalls).toBeGreaterThanOrEqual(1);
  });
});
