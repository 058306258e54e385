import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verification } from '../../src/learning/evolve/verify.js';
import { type EvolutionRecord, EvolutionRepository } from '../../src/store/evolutions.js';
import {
  type FakeLlm,
  lastUserText,
  type RecordedRequest,
  startFakeLlm,
  systemText,
} from '../fixtures/fake-llm/index.js';
import { eventually, openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

/**
 * The loop cannot go round: an agent model that never gets it right, a judge that says so every
 * time, and an evolver that always answers the same. Verification is off, so only the (free)
 * retrieval check stands between the evolver and the library.
 */
const QUESTION = 'What is the weather in Paris today?';
const SKILL = {
  op: 'add',
  name: 'weather-in-celsius',
  description: 'How to report weather and temperatures to this user',
  body: 'Always report temperatures in degrees Celsius (°C), never Fahrenheit.',
};

let fake: FakeLlm;
let proxy: TestProxy;
const answers: object[][] = [];

const isJudge = (r: RecordedRequest) => systemText(r).includes('You evaluate one response');
const isEvolver = (r: RecordedRequest) => systemText(r).includes('You maintain a library of skills');
const agentCalls = () =>
  fake.requests.filter((r) => r.path === '/v1/chat/completions' && !isJudge(r) && !isEvolver(r)).length;

beforeAll(async () => {
  fake = await startFakeLlm();
  fake.script((req) => {
    if (isJudge(req)) {
      const prompt = lastUserText(req);
      const response = prompt.slice(prompt.indexOf('## Response'), prompt.indexOf('## Next state'));
      return { text: response.includes('°C') ? 'Fine.\nScore: 1' : 'Fahrenheit again.\nScore: -1' };
    }
    if (isEvolver(req)) return { text: JSON.stringify({ ops: answers.shift() ?? [] }) };
    return { text: 'It is 70 °F in Paris.' };
  });
  proxy = await startProxy({
    upstream: openaiUpstream(fake.url, { model: 'agent-model' }),
    judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge-model', votes: 1 },
    evolution: { min_failures: 100, debounce_ms: 10, verify: false },
    skills: { enabled: true },
  });
});
afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

async function failSession(sessionId: string): Promise<string> {
  const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
  await client.chat.completions.create(
    { model: 'agent-model', messages: [{ role: 'user', content: QUESTION }] },
    { headers: { 'x-session-id': sessionId, 'x-session-done': 'true' } },
  );
  return proxy.app.turns.listBySession(sessionId)[0]!.id;
}

async function evolution(n: number): Promise<EvolutionRecord> {
  const evolutions = new EvolutionRepository(proxy.app.db);
  return eventually(() => {
    const e = evolutions.get(n);
    return e && e.outcome !== 'pending' ? e : undefined;
  }, 10_000);
}

const consumedBy = (turnId: string) =>
  (
    proxy.app.db.prepare('SELECT consumed_by_evolution AS e FROM turns WHERE id = ?').get(turnId) as {
      e: number;
    }
  ).e;

describe('evolution cannot loop', () => {
  it('the same failure twice with the same answer: the second change set is not applied', async () => {
    const lib = proxy.app.skills.library;
    const g0 = lib.current().generation;

    // 1. Applied (verify off: the retrieval check alone, no replay).
    answers.push([SKILL]);
    const t1 = await failSession('s1');
    const e1 = await evolution(1);
    expect(e1.outcome).toBe('applied');
    expect(e1.generation).toBe(g0 + 1);
    const v1 = e1.verification as Verification;
    expect(v1).toMatchObject({ accepted: true, replayed: false });
    expect(v1.cases[0]).toMatchObject({ turnId: t1, after: null, changedInjected: ['weather-in-celsius'] });
    expect(agentCalls()).toBe(1);

    // Someone takes the skill out again (a rollback, a hand edit).
    lib.apply([{ op: 'remove', name: 'weather-in-celsius' }], 'manual', 'test');
    const g2 = lib.current().generation;
    expect(g2).toBe(g0 + 2);

    // 2. The same task fails in a new session; the evolver answers the same: not applied again,
    // the generation does not move, and the failure is consumed.
    answers.push([SKILL]);
    const t2 = await failSession('s2');
    const e2 = await evolution(2);
    expect(e2.outcome).toBe('duplicate');
    expect(e2.reason).toBe('identical to evolution #1 already applied');
    expect(e2.generation).toBeNull();
    expect(e2.changeKey).toBe(e1.changeKey);
    expect(lib.current().generation).toBe(g2);
    expect(lib.current().byName.has('weather-in-celsius')).toBe(false);
    expect(consumedBy(t2)).toBe(2);

    // Same again while the skill is live: still a duplicate, not an "applied" that changed nothing.
    lib.apply(
      [SKILL].map((s) => ({
        op: 'put' as const,
        doc: { frontmatter: { name: s.name, description: s.description }, body: s.body },
      })),
      'manual',
      'test',
    );
    const g3 = lib.current().generation;
    answers.push([{ ...SKILL, body: `  ${SKILL.body}\n` }]); // whitespace differences are the same change
    await failSession('s3');
    const e3 = await evolution(3);
    expect(e3.outcome).toBe('duplicate');
    expect(e3.reason).toBe('identical to evolution #1 already applied');
    expect(lib.current().generation).toBe(g3);

    // 3. Verify off still checks retrieval: a skill that the failure's request would never reach
    // is rejected, without any replay.
    answers.push([{ ...SKILL, name: 'unit-conventions', description: 'Formatting numeric measurements' }]);
    const t4 = await failSession('s4');
    const e4 = await evolution(4);
    expect(e4.outcome).toBe('rejected');
    expect(e4.reason).toMatch(
      new RegExp(
        `^skill unit-conventions was not retrieved for turn ${t4}: retrieval chose \\[weather-in-celsius\\]`,
      ),
    );
    expect(agentCalls()).toBe(4);
    expect(lib.current().generation).toBe(g3);
  }, 40_000);
});
