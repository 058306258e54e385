import fs from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeStats } from '../../src/store/stats.js';
import { TurnRepository } from '../../src/store/turns.js';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

// A long agent session through the real service: each call resends the system prompt, the tool
// list and the whole history. The store must grow with what is new, and read every turn back
// exactly as the client sent it and as the upstream received it.
const FIXTURE = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../fixtures/agents/openclaw-anthropic.json'), 'utf8'),
) as { requests: { body: { system: { type: 'text'; text: string }[]; tools: Anthropic.Tool[] } }[] };
const { system, tools } = FIXTURE.requests[0]!.body;
const CALLS = 24;

let fake: FakeLlm;
let proxy: TestProxy;
/** Bodies as the SDKs put them on the wire, in order. */
const sent: string[] = [];
const capture: typeof fetch = async (input, init) => {
  if (typeof init?.body === 'string') sent.push(init.body);
  return fetch(input, init);
};

beforeAll(async () => {
  fake = await startFakeLlm();
  proxy = await startProxy({ upstream: openaiUpstream(fake.url) });
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});

/** Body bytes the store holds: inline bodies (the format before parts) plus parts and manifests. */
const stored = () => {
  const s = storeStats(proxy.app.db, ':memory:');
  return s.inlineBytes + s.partStoredBytes + s.manifestBytes;
};

describe('storage of a long agent session', () => {
  it('grows with the new messages, not the resent history, and reads back byte for byte', async () => {
    const client = new Anthropic({ baseURL: proxy.url, apiKey: 'k', maxRetries: 0, fetch: capture });
    const sessionId = `long-${Date.now()}`;
    const messages: Anthropic.MessageParam[] = [];
    const growth: number[] = [];
    let raw = 0;
    for (let i = 0; i < CALLS; i++) {
      messages.push({
        role: 'user',
        content: `step ${i}: list the files under src/module${i} and explain each one`,
      });
      const before = stored();
      const reply = await client.messages.create(
        { model: 'm', max_tokens: 256, system, tools, messages: [...messages] },
        { headers: { 'x-session-id': sessionId } },
      );
      growth.push(stored() - before);
      raw += Buffer.byteLength(sent.at(-1)!);
      messages.push({
        role: 'assistant',
        content: reply.content.map((b) => ({ ...b })) as Anthropic.ContentBlockParam[],
      });
    }
    // Anthropic client → OpenAI upstream: every turn has a distinct as-sent body too.
    const turns = proxy.app.turns.listBySession(sessionId);
    expect(turns).toHaveLength(CALLS);
    const upstream = fake.requests.filter((r) => r.path === '/v1/chat/completions').slice(-CALLS);
    turns.forEach((t, i) => {
      expect(t.requestJson).toBe(sent[sent.length - CALLS + i]);
      expect(t.upstreamRequestJson ?? t.requestJson).toBe(upstream[i]!.rawBody);
    });
    // The first call stores the system prompt and tools (compressed); later calls their new messages.
    const later = growth.slice(1);
    expect(Math.max(...later)).toBeLessThan(growth[0]! / 10);
    expect(stored()).toBeLessThan(raw * 0.05);
    // A second reader on the same file (as the CLI opens it) sees the same turns.
    const other = new TurnRepository(proxy.app.db);
    expect(other.listBySession(sessionId)).toEqual(turns);
  });

  it('stores an OpenAI session sent as received once, and reads it back identical', async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0, fetch: capture });
    const sessionId = `chat-${Date.now()}`;
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: 'system', content: system.map((b) => b.text).join('\n') },
    ];
    const sizes: number[] = [];
    for (let i = 0; i < 12; i++) {
      messages.push({ role: 'user', content: `question ${i} about the build` });
      const r = await client.chat.completions.create(
        { model: 'm', messages: [...messages] },
        { headers: { 'x-session-id': sessionId } },
      );
      messages.push({ role: 'assistant', content: r.choices[0]!.message.content });
      sizes.push(stored());
    }
    const turns = proxy.app.turns.listBySession(sessionId);
    turns.forEach((t, i) => {
      expect(t.requestJson).toBe(sent[sent.length - 12 + i]);
    });
    // The 48 KB system prompt is stored once (it is also in the first session, as a different part).
    expect(sizes[11]! - sizes[0]!).toBeLessThan(11 * 1024);
  });
});
