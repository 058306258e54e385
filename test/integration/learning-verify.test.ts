import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
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
 * Verification goes through live retrieval: an agent model that follows a hidden rule whenever the
 * rule's text is anywhere in its request, a judge that checks the rule, and an evolver whose answers
 * the test scripts one by one. A skill that states the rule but shares no word with the request
 * would make the replay pass if it were injected unconditionally — live retrieval would never
 * show it, so it must be rejected.
 */
const RULE = 'Always report temperatures in degrees Celsius (°C), never Fahrenheit.';
const QUESTION = 'What is the weather in Paris today?';
const UNRETRIEVABLE = {
  op: 'add',
  name: 'unit-conventions',
  description: 'Formatting numeric measurements for this user',
  body: RULE,
  category: 'preferences',
};
const MATCHING = {
  op: 'add',
  name: 'weather-in-celsius',
  description: 'How to report weather and temperatures to this user',
  body: RULE,
  category: 'preferences',
};

let fake: FakeLlm;
let proxy: TestProxy;
const answers: object[][] = [];
const evolverPrompts: string[] = [];

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
      return {
        text: response.includes('°C')
          ? 'Uses Celsius as required.\nScore: 1'
          : 'Gave Fahrenheit; the user wanted Celsius.\nScore: -1',
      };
    }
    if (isEvolver(req)) {
      evolverPrompts.push(lastUserText(req));
      return { text: JSON.stringify({ ops: answers.shift() ?? [] }) };
    }
    return { text: req.rawBody.includes('Celsius') ? 'It is 21 °C in Paris.' : 'It is 70 °F in Paris.' };
  });
  proxy = await startProxy({
    upstream: openaiUpstream(fake.url, { model: 'agent-model' }),
    judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge-model', votes: 1 },
    evolution: { min_failures: 100, debounce_ms: 10, verify: true },
    skills: { enabled: true },
  });
});
afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

async function failSession(sessionId: string): Promise<string> {
  const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
  const r = await client.chat.completions.create(
    {
      model: 'agent-model',
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: QUESTION },
      ],
    },
    { headers: { 'x-session-id': sessionId, 'x-session-done': 'true' } },
  );
  return r.choices[0]!.message.content!;
}

/** The next evolution to finish (outcome no longer pending). */
async function nextEvolution(n: number): Promise<EvolutionRecord> {
  const evolutions = new EvolutionRepository(proxy.app.db);
  return eventually(() => {
    const e = evolutions.list(100).find((x) => x.id === n);
    return e && e.outcome !== 'pending' ? e : undefined;
  }, 10_000);
}

async function showEvolution(id: number): Promise<string> {
  const out: string[] = [];
  process.env.METACLAW_HOME = proxy.home;
  const l = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  try {
    await (await buildProgram()).parseAsync(['node', 'metaclaw', 'evolutions', 'show', String(id)]);
  } finally {
    l.mockRestore();
    delete process.env.METACLAW_HOME;
  }
  return out.join('\n');
}

describe('verification through live retrieval', () => {
  it('rejects a skill retrieval would not show, does not retry it, and applies one it would', async () => {
    const g0 = proxy.app.skills.library.current().generation;

    // 1. A skill whose words do not meet the request's: rejected without a replay, though the
    // judge would score its replay 1 if it were injected.
    answers.push([UNRETRIEVABLE]);
    expect(await failSession('s1')).toContain('°F');
    const [t1] = proxy.app.turns.listBySession('s1');
    const e1 = await nextEvolution(1);
    expect(e1.outcome).toBe('rejected');
    expect(e1.reason).toBe(`skill unit-conventions was not retrieved for turn ${t1!.id}: retrieval chose []`);
    const v1 = e1.verification as Verification;
    expect(v1).toMatchObject({ accepted: false, replayed: false, notRetrieved: ['unit-conventions'] });
    expect(v1.cases).toEqual([
      { turnId: t1!.id, request: QUESTION, before: -1, after: null, injected: [], changedInjected: [] },
    ]);
    expect(agentCalls()).toBe(1);
    expect(proxy.app.skills.library.current().generation).toBe(g0);
    const consumed = (id: string) =>
      (
        proxy.app.db.prepare('SELECT consumed_by_evolution AS e FROM turns WHERE id = ?').get(id) as {
          e: number;
        }
      ).e;
    expect(consumed(t1!.id)).toBe(1);

    // 2. The same task fails again and the evolver proposes the same skill: it is told it was tried,
    // and rejected again without replaying.
    answers.push([UNRETRIEVABLE]);
    await failSession('s2');
    const e2 = await nextEvolution(2);
    expect(evolverPrompts[1]).toContain('## Already tried, failed verification');
    expect(evolverPrompts[1]).toMatch(/- unit-conventions \(evolution #1\): description: Formatting numeric/);
    expect(evolverPrompts[0]).not.toContain('Already tried');
    expect(e2.outcome).toBe('rejected');
    expect(e2.reason).toMatch(
      /^skill unit-conventions is unchanged from evolution #1, which failed verification for this task/,
    );
    expect(e2.verification).toBeNull();
    expect(agentCalls()).toBe(2);

    // 3. A skill that retrieval finds for the request: replayed through the live injection path,
    // improved, applied.
    answers.push([MATCHING]);
    await failSession('s3');
    const [t3] = proxy.app.turns.listBySession('s3');
    const e3 = await nextEvolution(3);
    expect(e3.outcome).toBe('applied');
    expect(e3.generation).toBe(g0 + 1);
    const v3 = e3.verification as Verification;
    expect(v3).toMatchObject({ accepted: true, replayed: true, notRetrieved: [] });
    expect(v3.cases).toEqual([
      {
        turnId: t3!.id,
        request: QUESTION,
        before: -1,
        after: 1,
        injected: [{ name: 'weather-in-celsius', how: 'full', changed: true }],
        changedInjected: ['weather-in-celsius'],
      },
    ]);
    // The replay carried the block where the live injector puts it (the user's message, by default).
    const replay = fake.requests.filter(
      (r) => r.path === '/v1/chat/completions' && !isJudge(r) && !isEvolver(r),
    )[3]!;
    const messages = (replay.body as { messages: { role: string; content: string }[] }).messages;
    expect(messages[0]!.content).toBe('You are a helpful assistant.');
    expect(messages.at(-1)!.content).toContain(QUESTION);
    expect(messages.at(-1)!.content).toContain('### weather-in-celsius');

    // `metaclaw evolutions show` explains both verdicts.
    expect(await showEvolution(1)).toContain(
      `turn ${t1!.id} "${QUESTION}": score -1; injected nothing — no changed skill was retrieved`,
    );
    expect(await showEvolution(3)).toContain(
      `turn ${t3!.id} "${QUESTION}": score -1 → 1; injected weather-in-celsius (full, changed)`,
    );

    // 4. Live: the next session gets the skill and passes.
    expect(await failSession('s4')).toContain('°C');
  }, 40_000);
});
