import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

let fake: FakeLlm;
let proxy: TestProxy;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeLlm();
  proxy = await startProxy({ upstream: openaiUpstream(fake.url), sessions: { idle_timeout_s: 1 } });
  client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});

type Msg = OpenAI.Chat.ChatCompletionMessageParam;

async function call(messages: Msg[], headers: Record<string, string> = {}) {
  const { data, response } = await client.chat.completions
    .create({ model: 'm', messages }, { headers })
    .withResponse();
  return {
    data,
    sessionId: response.headers.get('x-metaclaw-session-id')!,
    turnId: response.headers.get('x-metaclaw-turn-id')!,
  };
}

describe('sessions and turns', () => {
  it('infers a session from a conversation that extends the previous request', async () => {
    const m1: Msg[] = [
      { role: 'system', content: 'agent' },
      { role: 'user', content: 'step one' },
    ];
    const a = await call(m1);
    const m2: Msg[] = [
      ...m1,
      { role: 'assistant', content: a.data.choices[0]!.message.content },
      { role: 'user', content: 'step two' },
    ];
    const b = await call(m2);
    const other = await call([
      { role: 'system', content: 'agent' },
      { role: 'user', content: 'unrelated start' },
    ]);
    expect(b.sessionId).toBe(a.sessionId);
    expect(other.sessionId).not.toBe(a.sessionId);
    const turns = proxy.app.turns.listBySession(a.sessionId);
    expect(turns.map((t) => t.seq)).toEqual([1, 2]);
    expect(proxy.app.sessions.get(a.sessionId)!.source).toBe('inferred');
  });

  it('uses X-Session-Id and ends the session on X-Session-Done', async () => {
    const id = `sess-${Date.now()}`;
    await call([{ role: 'user', content: 'first' }], { 'x-session-id': id });
    await call([{ role: 'user', content: 'totally different' }], {
      'x-session-id': id,
      'x-session-done': 'true',
    });
    const s = proxy.app.sessions.get(id)!;
    expect(s.turnCount).toBe(2);
    expect(s.endedAt).not.toBeNull();
    expect(s.endReason).toBe('explicit');
  });

  it('classifies turns: X-Turn-Type wins, title generation is side', async () => {
    const main = await call([{ role: 'user', content: 'do the work' }]);
    const side = await call([{ role: 'user', content: 'Generate a concise title for this conversation' }]);
    const forced = await call([{ role: 'user', content: 'Generate a title' }], { 'x-turn-type': 'main' });
    const kindOf = (r: { sessionId: string; turnId: string }) => proxy.app.turns.get(r.turnId)!.kind;
    expect(kindOf(main)).toBe('main');
    expect(kindOf(side)).toBe('side');
    expect(kindOf(forced)).toBe('main');
  });

  it('ends idle sessions with end_reason idle', async () => {
    const r = await call([{ role: 'user', content: 'soon idle' }]);
    await new Promise((res) => setTimeout(res, 1100));
    proxy.app.tracker.sweepIdle();
    const s = proxy.app.sessions.get(r.sessionId)!;
    expect(s.endReason).toBe('idle');
  });

  it('serves the admin read API with turns, upstream requests and timings', async () => {
    const r = await call([{ role: 'user', content: 'admin view' }]);
    const list = (await (await fetch(`${proxy.url}/v1/admin/sessions`)).json()) as { data: { id: string }[] };
    expect(list.data.some((s) => s.id === r.sessionId)).toBe(true);
    const detail = (await (await fetch(`${proxy.url}/v1/admin/sessions/${r.sessionId}?raw=1`)).json()) as {
      turns: {
        request: { messages: unknown[] };
        upstream_request: unknown;
        response: unknown;
        status: string;
        latencyMs: number;
      }[];
    };
    expect(detail.turns[0]!.request.messages).toEqual([{ role: 'user', content: 'admin view' }]);
    expect(detail.turns[0]!.upstream_request).toBeTruthy();
    expect(detail.turns[0]!.status).toBe('ok');
    expect(detail.turns[0]!.latencyMs).toBeGreaterThan(0);
    expect((await fetch(`${proxy.url}/v1/admin/sessions/nope`)).status).toBe(404);
  });
});
