import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

let fake: FakeLlm;
let proxy: TestProxy;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeLlm();
  proxy = await startProxy({ upstream: openaiUpstream(fake.url) });
  client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});

function turnsOf(sessionId: string) {
  return proxy.app.turns.listBySession(sessionId);
}

describe('OpenAI Chat Completions through the proxy', () => {
  it('forwards a non-streaming call byte-for-byte and records the turn', async () => {
    fake.script(() => ({ text: 'Paris is the capital.' }));
    const { data, response } = await client.chat.completions
      .create({
        model: 'gpt-test',
        messages: [{ role: 'user', content: 'Capital of France?' }],
        metadata: { x: '1' },
      } as never)
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Paris is the capital.');
    const upstreamReq = fake.requests.at(-1)!;
    // Unknown fields pass through; the client's key never reaches the upstream.
    expect(upstreamReq.body.metadata).toEqual({ x: '1' });
    expect(upstreamReq.apiKey).toBe('upstream-secret');
    const sessionId = response.headers.get('x-metaclaw-session-id')!;
    const [turn] = turnsOf(sessionId);
    expect(turn!.status).toBe('ok');
    expect(turn!.kind).toBe('main');
    expect(JSON.parse(turn!.responseJson!).choices[0].message.content).toBe('Paris is the capital.');
    expect(JSON.parse(turn!.requestJson).messages[0].content).toBe('Capital of France?');
    expect(turn!.latencyMs).toBeGreaterThan(0);
  });

  it('streams chunks as they arrive, with usage and tool-call indexes intact', async () => {
    fake.script(() => ({
      text: 'Checking both cities now.',
      toolCalls: [
        { name: 'weather', arguments: { city: 'Paris' } },
        { name: 'weather', arguments: { city: 'Berlin' } },
      ],
      chunkDelayMs: 30,
      chunkSize: 6,
    }));
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'gpt-test',
        messages: [{ role: 'user', content: 'Weather in Paris and Berlin?' }],
        tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    const arrivals: number[] = [];
    const indexes = new Set<number>();
    let usage: unknown = null;
    let content = '';
    for await (const chunk of stream) {
      arrivals.push(Date.now());
      for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) indexes.add(tc.index);
      content += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(content).toBe('Checking both cities now.');
    expect([...indexes].sort()).toEqual([0, 1]);
    expect(usage).not.toBeNull();
    // Chunks were spread over time (30 ms apart upstream), not delivered in one burst at the end.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(150);
    const turn = proxy.app.turns.listBySession(response.headers.get('x-metaclaw-session-id')!)[0]!;
    const recorded = JSON.parse(turn.responseJson!);
    expect(
      recorded.choices[0].message.tool_calls.map((t: { function: { arguments: string } }) =>
        JSON.parse(t.function.arguments),
      ),
    ).toEqual([{ city: 'Paris' }, { city: 'Berlin' }]);
    expect(turn.ttftMs).not.toBeNull();
    expect(turn.ttftMs!).toBeLessThan(turn.latencyMs!);
  });

  it('passes n > 1 through', async () => {
    fake.script(() => ({ text: 'option' }));
    const res = await client.chat.completions.create({
      model: 'gpt-test',
      n: 2,
      messages: [{ role: 'user', content: 'two please' }],
    });
    expect(res.choices).toHaveLength(2);
  });

  it('lists models from the upstream', async () => {
    const models = await client.models.list();
    expect(models.data.length).toBeGreaterThan(0);
  });

  it('rejects malformed requests with a 400 in OpenAI shape naming the field', async () => {
    const err = await client.chat.completions
      .create({ model: 'gpt-test', messages: [{ role: 'robot', content: 'x' }] } as never)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/messages\[0\]\.role/);
    const missing = await client.chat.completions
      .create({ model: 'gpt-test' } as never)
      .catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/messages/);
  });
});
