import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, Overview } from '../../src/admin-api/contract.js';
import { EvolutionRepository } from '../../src/store/evolutions.js';
import { type FakeLlm, type RecordedRequest, startFakeLlm, systemText } from '../fixtures/fake-llm/index.js';
import { eventually, openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';
import { KEY as SEEDED_KEY, startSeededService } from '../helpers/ui-seed.js';

/**
 * `GET /v1/admin/overview` on the real service: agent traffic through the official client, the
 * judge scoring it on the fake LLM, and the overview's figures read back from the rollups.
 */
const KEY = 'admin-secret';
let fake: FakeLlm;
let proxy: TestProxy;

const isJudge = (r: RecordedRequest) => systemText(r).includes('You evaluate one response');

beforeAll(async () => {
  fake = await startFakeLlm();
  fake.script((req) => {
    if (isJudge(req)) {
      const prompt = JSON.stringify(req.body.messages);
      // A follow-up "that is wrong" is evidence the judged turn failed.
      const failed = prompt.slice(prompt.indexOf('## Next state')).includes('that is wrong');
      return { text: `Verdict.\nScore: ${failed ? -1 : 1}`, usage: { input: 100, output: 7 } };
    }
    if (JSON.stringify(req.body.messages).includes('break please')) return { fault: { status: 500 } };
    return { text: 'an answer', usage: { input: 10, output: 5 } };
  });
  proxy = await startProxy({
    proxy: { api_key: KEY },
    upstream: openaiUpstream(fake.url),
    judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge-model', votes: 3 },
    evolution: { enabled: false },
    // $ per million tokens; the judge's price through a glob.
    pricing: { 'agent-model': { input: 2, output: 8 }, 'judge-*': { input: 1, output: 4 } },
  });
});
afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

async function converse(sessionId: string, texts: string[]): Promise<void> {
  const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [];
  for (const [i, content] of texts.entries()) {
    messages.push({ role: 'user', content });
    const done = i === texts.length - 1;
    const r = await client.chat.completions.create(
      { model: 'agent-model', messages },
      { headers: { 'x-session-id': sessionId, ...(done ? { 'x-session-done': 'true' } : {}) } },
    );
    messages.push({ role: 'assistant', content: r.choices[0]!.message.content });
  }
}

async function get<T>(path: string, key: string | null = KEY): Promise<{ status: number; body: T }> {
  const res = await fetch(proxy.url + path, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.status, body: (await res.json()) as T };
}

const sum = (o: Overview, k: 'requests' | 'turns' | 'sessions' | 'errors') =>
  o.traffic.points.reduce((n, p) => n + p[k], 0);

describe('GET /v1/admin/overview', () => {
  it('counts traffic, judge rewards and learning tokens from what really happened', async () => {
    await converse('ov-a', ['add 2 and 2', 'that is wrong, it is 4', 'thanks']);
    await converse('ov-b', ['hi', 'bye']);
    const turns = [...proxy.app.turns.listBySession('ov-a'), ...proxy.app.turns.listBySession('ov-b')];
    expect(turns).toHaveLength(5);
    await eventually(() => turns.every((t) => proxy.app.rewards.forTurn(t.id).length === 1), 15_000);
    // One evolution held for the user's decision (as manual approval leaves it).
    const evolutions = new EvolutionRepository(proxy.app.db);
    const evo = evolutions.create('test', [turns[0]!.id]);
    evolutions.update(evo, { outcome: 'awaiting_approval' });

    const { status, body: o } = await get<Overview>('/v1/admin/overview');
    expect(status).toBe(200);
    expect(o.range).toBe('24h');
    expect(o.traffic.bucket).toBe('hour');
    // 24 hourly buckets, empty ones zero, the current hour last.
    expect(o.traffic.points).toHaveLength(24);
    expect(o.traffic.points.at(-1)!.t).toBe(Math.floor(o.generated_at / 3_600_000) * 3_600_000);
    expect(o.traffic.points.filter((p) => p.requests === 0).length).toBeGreaterThanOrEqual(22);
    // Judge calls go straight to the judge endpoint: only agent requests are traffic.
    expect([sum(o, 'requests'), sum(o, 'turns'), sum(o, 'sessions'), sum(o, 'errors')]).toEqual([5, 5, 2, 0]);
    expect(o.traffic.by_model).toEqual([{ model: 'agent-model', requests: 5 }]);
    // The agent is the session's client (the SDK's user agent), as the sessions list filters it.
    expect(o.traffic.by_agent).toEqual([{ agent: 'OpenAI', requests: 5 }]);
    // Rewards: -1 for the corrected turn, +1 for the four others.
    const judged = o.learning_curve.by_day.reduce((n, p) => n + p.judged, 0);
    expect(judged).toBe(5);
    expect(o.learning_curve.by_day).toHaveLength(1);
    expect(o.learning_curve.by_day[0]!.mean_reward).toBeCloseTo(0.6);
    expect(o.learning_curve.by_day[0]!.failure_rate).toBeCloseTo(0.2);
    expect(o.learning_curve.by_generation.map((g) => g.judged)).toEqual([5]);
    expect(o.learning_curve.evolutions).toEqual([
      { id: evo, t: expect.any(Number), outcome: 'awaiting_approval', generation: null },
    ]);
    expect(o.library.pending_approvals).toBe(1);
    expect(o.library.generation).toBe(proxy.app.skills.library.current().generation);
    expect(o.policy).toEqual({ version: null, rl_enabled: false });
    // Serving tokens from the agent replies; judge tokens from 5 turns × 3 votes.
    expect(o.cost.serving).toEqual({ input_tokens: 50, output_tokens: 25, usd: expect.any(Number) });
    expect(o.cost.serving.usd).toBeCloseTo((50 * 2 + 25 * 8) / 1e6, 12);
    expect(o.cost.learning.judge).toEqual({
      input_tokens: 1500,
      output_tokens: 105,
      usd: expect.any(Number),
    });
    expect(o.cost.learning.judge.usd).toBeCloseTo((1500 * 1 + 105 * 4) / 1e6, 12);
    expect(o.cost.learning.evolver).toEqual({ input_tokens: 0, output_tokens: 0, usd: 0 });
    expect(o.alerts).toEqual([]);

    const week = (await get<Overview>('/v1/admin/overview?range=7d')).body;
    expect(week.traffic.bucket).toBe('day');
    expect(week.traffic.points).toHaveLength(7);
    expect(sum(week, 'requests')).toBe(5);
    expect((await get<Overview>('/v1/admin/overview?range=30d')).body.traffic.points).toHaveLength(30);
  });

  it('raises an upstream alert for requests that failed in the last hour', async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    await expect(
      client.chat.completions.create(
        { model: 'agent-model', messages: [{ role: 'user', content: 'break please' }] },
        { headers: { 'x-session-id': 'ov-c' } },
      ),
    ).rejects.toThrow();
    // The failed turn is committed before the client sees the error: the next read counts it.
    const o = (await get<Overview>('/v1/admin/overview')).body;
    expect(sum(o, 'errors')).toBe(1);
    const alert = o.alerts.find((a) => a.kind === 'upstream');
    expect(alert).toMatchObject({ severity: 'warn', message: '1 of 6 requests failed in the last hour' });
  });

  it('answers 400 naming range for a bad range, and 401 without the key', async () => {
    const bad = await get<ApiError>('/v1/admin/overview?range=1y');
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('range');
    expect(bad.body.error.message).toMatch(/range must be one of 24h, 7d, 30d/);
    expect((await get<ApiError>('/v1/admin/overview?range=constructor')).status).toBe(400);
    expect((await get<ApiError>('/v1/admin/overview', null)).status).toBe(401);
    expect((await get<ApiError>('/v1/admin/overview', 'wrong')).status).toBe(401);
  });
});

describe('learning cost by purpose', () => {
  it('counts the evolver, its verification replays and their re-judging apart from judging live turns', async () => {
    const seeded = await startSeededService();
    try {
      await seeded.ask('learn-1');
      const res = await fetch(`${seeded.proxy.url}/v1/admin/overview?range=7d`, {
        headers: { authorization: `Bearer ${SEEDED_KEY}` },
      });
      const o = (await res.json()) as Overview;
      // The failed turn started a verified evolution that now waits for approval.
      expect(o.library.pending_approvals).toBe(1);
      expect(o.learning_curve.evolutions.map((e) => e.outcome)).toEqual(['awaiting_approval']);
      const { judge, evolver, verification, opd } = o.cost.learning;
      expect(judge.input_tokens).toBeGreaterThan(0);
      expect(evolver.input_tokens).toBeGreaterThan(0);
      expect(evolver.output_tokens).toBeGreaterThan(0);
      // The replay on the serving backend and the replay's verdict.
      expect(verification.input_tokens).toBeGreaterThan(0);
      expect(opd).toEqual({ input_tokens: 0, output_tokens: 0, usd: null });
      const calls = new Map(
        (
          seeded.proxy.app.db
            .prepare('SELECT purpose, SUM(calls) AS n FROM learning_usage GROUP BY purpose')
            .all() as {
            purpose: string;
            n: number;
          }[]
        ).map((r) => [r.purpose, r.n]),
      );
      // One vote for the live turn; one evolver call; one replay plus one vote on it.
      expect(Object.fromEntries(calls)).toEqual({ judge: 1, evolver: 1, verification: 2 });
      // Replays are learning cost, not traffic: only the agent's one request is served.
      expect(o.traffic.points.reduce((n, p) => n + p.requests, 0)).toBe(1);
    } finally {
      await seeded.close();
    }
  });
});
