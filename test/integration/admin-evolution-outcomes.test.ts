import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseEvolutionId } from '../../src/cli/evolutions.js';
import { buildProgram } from '../../src/cli/main.js';
import { verificationBaseline } from '../../src/learning/evolve/verify.js';
import { EvolutionRepository } from '../../src/store/evolutions.js';
import { type FakeLlm, type RecordedRequest, startFakeLlm, systemText } from '../fixtures/fake-llm/index.js';
import { eventually, openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

/** #17 point 15: every evolution ends applied, rejected or failed with a reason; the feedback rule. */
let fake: FakeLlm;
let proxy: TestProxy;
let evolverCalls = 0;

const isJudge = (r: RecordedRequest) => systemText(r).includes('You evaluate one response');
const isEvolver = (r: RecordedRequest) => systemText(r).includes('You maintain a library of skills');

beforeAll(async () => {
  fake = await startFakeLlm();
  fake.script((req) => {
    if (isJudge(req)) return { text: 'Wrong answer.\nScore: -1' };
    if (isEvolver(req)) {
      evolverCalls++;
      // The first attempt's evolver call fails (a retryable 500); the job is retried.
      if (evolverCalls === 1) throw new Error('evolver overloaded');
      return { text: JSON.stringify({ ops: [] }) };
    }
    return { text: 'It is 70 °F in Paris.' };
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

describe('evolution outcomes', () => {
  it('an attempt that throws ends failed with its reason, not pending', async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
    await client.chat.completions.create(
      { model: 'agent-model', messages: [{ role: 'user', content: 'What is the weather in Paris?' }] },
      { headers: { 'x-session-id': 'p1', 'x-session-done': 'true' } },
    );
    const evolutions = new EvolutionRepository(proxy.app.db);
    const first = await eventually(() => {
      const e = evolutions.get(1);
      return e && e.outcome !== 'pending' ? e : undefined;
    }, 10_000);
    expect(first.outcome).toBe('failed');
    expect(first.reason).toMatch(/HTTP 500/);
    expect(evolutions.list(100).filter((e) => e.outcome === 'pending')).toEqual([]);
  }, 20_000);

  it('a pending evolution left by a dead attempt is closed as failed by the next run', () => {
    const evolutions = new EvolutionRepository(proxy.app.db);
    const id = evolutions.create('test', []);
    expect(evolutions.failPending('interrupted before a verdict')).toBe(1);
    expect(evolutions.get(id)).toMatchObject({ outcome: 'failed', reason: 'interrupted before a verdict' });
  });
});

describe('verification baseline for explicit feedback', () => {
  it('puts feedback on the judge scale by its direction, so mild -0.5 then a -1 replay is not worse', () => {
    const before = verificationBaseline({ source: 'user', score: -0.5 });
    expect(before).toBe(-1);
    const replayed = -1;
    expect(replayed < before).toBe(false);
    expect(verificationBaseline({ source: 'judge', score: 0 })).toBe(0);
    expect(verificationBaseline({ source: 'user', score: 0.3 })).toBe(1);
    expect(verificationBaseline(null)).toBe(-1);
  });
});

describe('metaclaw evolutions show', () => {
  it('accepts 1 and #1 for the same evolution and refuses a non-id', async () => {
    const show = async (id: string) => {
      const out: string[] = [];
      process.env.METACLAW_HOME = proxy.home;
      const l = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
      try {
        await (await buildProgram()).parseAsync(['node', 'metaclaw', 'evolutions', 'show', id]);
      } finally {
        l.mockRestore();
        delete process.env.METACLAW_HOME;
      }
      return out.join('\n');
    };
    const plain = await show('1');
    expect(plain).toMatch(/^evolution #1 /);
    expect(await show('#1')).toBe(plain);
    expect(() => parseEvolutionId('abc')).toThrow(/not an evolution id: abc/);
  });
});
