import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvolutionRepository } from '../../src/store/evolutions.js';
import {
  type FakeLlm,
  lastUserText,
  type RecordedRequest,
  startFakeLlm,
  systemText,
} from '../fixtures/fake-llm/index.js';
import { eventually, openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

/**
 * The whole fast loop, offline: an agent model that follows a hidden rule only when the rule's
 * text is in its system prompt, a judge that checks the rule, and an evolver that writes it down.
 */
const RULE = 'Always report temperatures in degrees Celsius (°C), never Fahrenheit.';

let fake: FakeLlm;
let proxy: TestProxy;
let evolverCalls = 0;
let releaseEvolver: () => void = () => {};

const isJudge = (r: RecordedRequest) => systemText(r).includes('You evaluate one response');
const isEvolver = (r: RecordedRequest) => systemText(r).includes('You maintain a library of skills');

beforeAll(async () => {
  fake = await startFakeLlm();
  fake.script(async (req) => {
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
      evolverCalls++;
      // Hold the evolution open so the test can serve requests while it runs.
      await new Promise<void>((r) => {
        releaseEvolver = r;
      });
      return {
        text: JSON.stringify({
          ops: [
            {
              op: 'add',
              name: 'weather-in-celsius',
              description: 'How to report weather and temperatures to this user',
              body: RULE,
              category: 'preferences',
            },
          ],
        }),
      };
    }
    // The model follows the rule when it was told it, wherever the proxy put it.
    const followsRule = req.rawBody.includes('Celsius');
    return { text: followsRule ? 'It is 21 °C in Paris.' : 'It is 70 °F in Paris.' };
  });
  proxy = await startProxy({
    upstream: openaiUpstream(fake.url, { model: 'agent-model' }),
    judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge-model', votes: 3 },
    evolution: { min_failures: 3, debounce_ms: 20, verify: true },
    skills: { enabled: true },
  });
});
afterAll(async () => {
  releaseEvolver();
  await proxy.close();
  await fake.close();
});

async function ask(sessionId: string, done: boolean) {
  const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
  const r = await client.chat.completions.create(
    {
      model: 'agent-model',
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'What is the weather in Paris today?' },
      ],
    },
    { headers: { 'x-session-id': sessionId, ...(done ? { 'x-session-done': 'true' } : {}) } },
  );
  return r.choices[0]!.message.content!;
}

describe('learning from experience, end to end', () => {
  it('a failed session becomes a skill that makes the next session pass', async () => {
    const generation0 = proxy.app.skills.library.current().generation;
    expect(await ask('before', true)).toContain('°F');
    const [failed] = proxy.app.turns.listBySession('before');

    // Judged as a failure, the evolution starts and waits on the (slow) evolver.
    await eventually(() => evolverCalls === 1, 10_000);
    expect(proxy.app.rewards.effective(failed!.id)!.score).toBe(-1);

    // Serving goes on meanwhile, under the old library.
    const during = await Promise.all([ask('during-1', false), ask('during-2', false)]);
    expect(during.every((a) => a.includes('°F'))).toBe(true);
    const evolutions = new EvolutionRepository(proxy.app.db);
    expect(evolutions.list()[0]!.outcome).toBe('pending');

    releaseEvolver();
    const applied = await eventually(() => evolutions.list().find((e) => e.outcome === 'applied'), 10_000);
    expect(applied.generation).toBe(generation0 + 1);
    expect(applied.supportTurnIds).toEqual([failed!.id]);
    expect(applied.trigger).toBe('session-end');
    expect(applied.verification).toMatchObject({ accepted: true });
    expect(proxy.app.turns.get(failed!.id)).toBeDefined();
    const consumed = proxy.app.db
      .prepare('SELECT consumed_by_evolution AS e FROM turns WHERE id = ?')
      .get(failed!.id) as { e: number };
    expect(consumed.e).toBe(applied.id);

    // The next session is served with the new skill and passes.
    expect(proxy.app.skills.library.current().generation).toBe(generation0 + 1);
    expect(await ask('after', true)).toContain('°C');
    const [passed] = proxy.app.turns.listBySession('after');
    expect(passed!.libraryGeneration).toBe(generation0 + 1);
    // The learned skill rides on the user's request (default placement), chosen by retrieval.
    expect(JSON.stringify(JSON.parse(passed!.upstreamRequestJson!).messages.at(-1))).toContain(
      RULE.slice(0, 30),
    );
    await eventually(() => proxy.app.rewards.effective(passed!.id)?.score === 1, 10_000);
  }, 30_000);
});
