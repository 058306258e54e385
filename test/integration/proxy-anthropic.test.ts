import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { anthropicUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

let fake: FakeLlm;
let proxy: TestProxy;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeLlm();
  proxy = await startProxy({ upstream: anthropicUpstream(fake.url) });
  client = new Anthropic({ baseURL: proxy.url, apiKey: 'client-key', maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});

describe('Anthropic Messages through the proxy', () => {
  it('non-streaming: thinking signatures and tool_use survive untouched', async () => {
    fake.script(() => ({
      reasoning: { text: 'Need the weather tool.', signature: 'sig-abc123==' },
      text: 'Let me look that up.',
      toolCalls: [{ id: 'toolu_01', name: 'weather', arguments: { city: 'Oslo' } }],
    }));
    const msg = await client.messages.create({
      model: 'claude-test',
      max_tokens: 256,
      system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
      tools: [{ name: 'weather', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
    });
    expect(msg.content[0]).toEqual({
      type: 'thinking',
      thinking: 'Need the weather tool.',
      signature: 'sig-abc123==',
    });
    expect(msg.content.at(-1)).toMatchObject({ type: 'tool_use', id: 'toolu_01', input: { city: 'Oslo' } });
    const up = fake.requests.at(-1)!;
    expect(up.apiKey).toBe('upstream-secret');
    expect((up.body.system as unknown[])[0]).toEqual({
      type: 'text',
      text: 'You are terse.',
      cache_control: { type: 'ephemeral' },
    });
  });

  it('streams the real event sequence and records the assembled message', async () => {
    fake.script(() => ({
      reasoning: { text: 'Think first.', signature: 'c2lnbmF0dXJl' },
      text: 'Here is a longer answer in pieces.',
      toolCalls: [{ name: 'search', arguments: { q: 'metaclaw' } }],
      chunkDelayMs: 10,
    }));
    const events: string[] = [];
    const stream = client.messages.stream({
      model: 'claude-test',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Explain, then search.' }],
    });
    stream.on('streamEvent', (e) => events.push(e.type));
    const final = await stream.finalMessage();
    expect(events[0]).toBe('message_start');
    expect(events.at(-1)).toBe('message_stop');
    expect(events).toContain('content_block_delta');
    expect(events).toContain('message_delta');
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(final.content[0]).toMatchObject({ signature: 'c2lnbmF0dXJl' });
    const { response } = await stream.withResponse();
    const sessionId = response.headers.get('x-metaclaw-session-id')!;
    const turn = proxy.app.turns.listBySession(sessionId).at(-1)!;
    const recorded = JSON.parse(turn.responseJson!);
    expect(recorded.content).toEqual(JSON.parse(JSON.stringify(final.content)));
    expect(turn.status).toBe('ok');
  });

  it('accepts x-api-key and Authorization: Bearer when a proxy key is set, and refuses others', async () => {
    const keyed = await startProxy({
      upstream: anthropicUpstream(fake.url),
      proxy: { api_key: 'proxy-key' },
    });
    try {
      fake.script(() => ({ text: 'ok' }));
      const viaApiKey = new Anthropic({ baseURL: keyed.url, apiKey: 'proxy-key', maxRetries: 0 });
      const viaBearer = new Anthropic({
        baseURL: keyed.url,
        authToken: 'proxy-key',
        apiKey: null,
        maxRetries: 0,
      });
      const wrong = new Anthropic({ baseURL: keyed.url, apiKey: 'nope', maxRetries: 0 });
      const req = {
        model: 'claude-test',
        max_tokens: 10,
        messages: [{ role: 'user' as const, content: 'hi' }],
      };
      expect((await viaApiKey.messages.create(req)).content[0]).toMatchObject({ text: 'ok' });
      expect((await viaBearer.messages.create(req)).content[0]).toMatchObject({ text: 'ok' });
      const err = await wrong.messages.create(req).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
      // The proxy key is never forwarded upstream.
      expect(fake.requests.at(-1)!.apiKey).toBe('upstream-secret');
    } finally {
      await keyed.close();
    }
  });

  it('accepts Claude Code style ?beta=true posts and answers HEAD /', async () => {
    fake.script(() => ({ text: 'beta ok' }));
    const head = await fetch(`${proxy.url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const res = await fetch(`${proxy.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'k',
        'anthropic-beta': 'interleaved-thinking-2025-05-14',
      },
      body: JSON.stringify({
        model: 'claude-test',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(res.status).toBe(200);
    const up = fake.requests.at(-1)!;
    expect(up.query.beta).toBe('true');
    expect(up.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
  });

  it('rejects a request without max_tokens with an Anthropic-shaped 400', async () => {
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-test', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/max_tokens/);
  });
});
