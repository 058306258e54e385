import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { registerRun, writeReport } from '../../src/bench/output.js';
import type { RoundResult } from '../../src/bench/report.js';
import {
  type FakeLlm,
  lastUserText,
  type RecordedRequest,
  startFakeLlm,
  systemText,
} from '../fixtures/fake-llm/index.js';
import { eventually, openaiUpstream, startProxy, type TestProxy, tempHome } from './proxy.js';

/**
 * A real service for the dashboard's browser tests: the fake LLM plays an agent model that follows
 * a hidden rule only when told it, a judge that checks the rule and an evolver that writes the rule
 * into the starter skill `weather-reports`. Evolutions wait for approval (`evolution.approval:
 * manual`) and the proxy has a key.
 */
export const KEY = 'ui-test-key';
export const SKILL = 'weather-reports';
export const RULE = 'Always report temperatures in degrees Celsius (°C), never Fahrenheit.';

export interface SeededService {
  proxy: TestProxy;
  fake: FakeLlm;
  home: string;
  /** One proxied request in a new session; resolves to the answer and what reached the upstream. */
  ask(sessionId: string): Promise<{ answer: string; upstreamBody: string }>;
  close(): Promise<void>;
}

const isJudge = (r: RecordedRequest) => systemText(r).includes('You evaluate one response');
const isEvolver = (r: RecordedRequest) => systemText(r).includes('You maintain a library of skills');

function writeSkill(home: string): void {
  const dir = path.join(home, 'skills', SKILL);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'SKILL.md'),
    `---\nname: ${SKILL}\ndescription: How to report the weather and temperatures to this user\n---\n\nAnswer weather questions in one short sentence.\n`,
  );
}

/** A finished benchmark run written by the bench's own writer, so the Benchmarks views have data. */
function writeBenchRun(home: string): void {
  const out = path.join(home, 'bench-out', 'run-ui');
  fs.mkdirSync(out, { recursive: true });
  const rounds = (condition: string, scores: number[]): RoundResult[] =>
    scores.map((score, i) => ({
      condition,
      day: `day${String(i + 1).padStart(2, '0')}`,
      arc: 'a',
      round: `r${i}`,
      type: i % 2 ? 'file_check' : 'multi_choice',
      score,
      passed: score > 0.5,
      exact: score === 1,
      tokens: 120,
    }));
  const summary = writeReport(out, [...rounds('baseline', [0, 1, 0, 0]), ...rounds('skills', [1, 1, 0, 1])], {
    model: 'agent-model',
  });
  const started = new Date(Date.now() - 3600_000).toISOString();
  const entry = {
    id: 'run-ui',
    out_dir: out,
    data: null,
    conditions: ['baseline', 'skills'],
    started_at: started,
  };
  registerRun(home, { ...entry, finished_at: null });
  registerRun(home, {
    ...entry,
    finished_at: new Date().toISOString(),
    summary: Object.fromEntries(Object.entries(summary).map(([k, s]) => [k, { accuracy: s.accuracy }])),
  });
}

export async function startSeededService(): Promise<SeededService> {
  const home = tempHome();
  writeSkill(home);
  writeBenchRun(home);
  const fake = await startFakeLlm();
  fake.script((req) => {
    if (isJudge(req)) {
      const prompt = lastUserText(req);
      const response = prompt.slice(prompt.indexOf('## Response'), prompt.indexOf('## Next state'));
      return {
        text: response.includes('°C')
          ? 'Uses Celsius as required.\nScore: 1'
          : 'Gave Fahrenheit; the user wanted Celsius.\nScore: -1',
      };
    }
    if (isEvolver(req)) {
      return {
        text: JSON.stringify({
          ops: [
            {
              op: 'update',
              name: SKILL,
              body: `Answer weather questions in one short sentence.\n\n${RULE}`,
              reason: 'the user wants Celsius',
            },
          ],
        }),
      };
    }
    // The agent model follows the rule when it was told it, wherever the proxy put it.
    return { text: req.rawBody.includes('Celsius') ? 'It is 21 °C in Paris.' : 'It is 70 °F in Paris.' };
  });
  const proxy = await startProxy(
    {
      proxy: { api_key: KEY },
      upstream: openaiUpstream(fake.url, { model: 'agent-model' }),
      judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge-model', votes: 1 },
      evolution: { min_failures: 1, debounce_ms: 20, verify: true, approval: 'manual' },
      // Full bodies whatever the (tiny) library's word statistics say.
      skills: { enabled: true, watch: false, full_min_coverage: 0 },
      // The scheduler runs (no trainer: RL is off) so the Training view shows its state and signals.
      scheduler: { enabled: true, idle_enabled: false, tick_seconds: 3600 },
    },
    { home },
  );
  const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
  const ask = async (sessionId: string) => {
    const before = fake.requests.length;
    const r = await client.chat.completions.create(
      {
        model: 'agent-model',
        messages: [
          { role: 'system', content: 'You are a helpful assistant.' },
          { role: 'user', content: 'What is the weather in Paris today?' },
        ],
      },
      { headers: { 'x-session-id': sessionId, 'x-session-done': 'true' } },
    );
    const sent = fake.requests.slice(before).find((q) => !isJudge(q) && !isEvolver(q));
    // Wait for the judge (and any evolution it starts) so the store is settled for the UI.
    await eventually(() => {
      const c = proxy.app.jobs.counts();
      return c.pending === 0 && c.running === 0;
    }, 20_000);
    return { answer: r.choices[0]!.message.content ?? '', upstreamBody: sent?.rawBody ?? '' };
  };
  return {
    proxy,
    fake,
    home,
    ask,
    close: async () => {
      await proxy.close();
      await fake.close();
    },
  };
}
