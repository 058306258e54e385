import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import {
  anthropicUpstream,
  eventually,
  openaiUpstream,
  startProxy,
  type TestProxy,
} from '../helpers/proxy.js';

let fake: FakeLlm;
let proxy: TestProxy;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeLlm();
  proxy = await startProxy({ upstream: openaiUpstream(fake.url, { timeout_ms: 1500, max_retries: 2 }) });
  client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});

const ask = (content: string) =>
  client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content }] });
/** A stream plus the session id the proxy assigned to it. */
async function askStream(content: string) {
  const { data, response } = await client.chat.completions
    .create({ model: 'm', messages: [{ role: 'user', content }], stream: true })
    .withResponse();
  return { stream: data, sid: response.headers.get('x-metaclaw-session-id')! };
}

describe('upstream faults', () => {
  it('retries a 500 and a 429 with Retry-After before answering', async () => {
    let calls = 0;
    fake.script(() => {
      calls++;
      if (calls === 1) return { fault: { status: 500, message: 'boom' } };
      if (calls === 2) return { fault: { status: 429, message: 'slow down', retryAfterS: 0.2 } };
      return { text: 'third time lucky' };
    });
    const started = Date.now();
    const res = await ask('retry me');
    expect(res.choices[0]!.message.content).toBe('third time lucky');
    expect(calls).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it('passes a 4xx through with its message and does not retry it', async () => {
    let calls = 0;
    fake.script(() => {
      calls++;
      return { fault: { status: 400, message: 'model does not exist' } };
    });
    const err = await ask('bad').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/model does not exist/);
    expect(calls).toBe(1);
  });

  it('turns a hung upstream into a 504 that names the upstream', async () => {
    fake.script(() => ({ fault: 'hang' }));
    const p = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0, timeout: 20_000 });
    const err = await p.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hang' }] })
      .catch((e: unknown) => e);
    expect((err as { status?: number }).status).toBe(504);
    expect((err as Error).message).toMatch(/openai upstream at http:\/\/127\.0\.0\.1/);
  }, 20_000);

  it('turns an unreachable upstream into a 502', async () => {
    const dead = await startProxy({ upstream: openaiUpstream('http://127.0.0.1:9', { max_retries: 0 }) });
    try {
      const c = new OpenAI({ baseURL: `${dead.url}/v1`, apiKey: 'k', maxRetries: 0 });
      const err = await c.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect((err as { status?: number }).status).toBe(502);
      expect((err as Error).message).toMatch(/cannot reach openai upstream/);
    } finally {
      await dead.close();
    }
  });

  it('a slow first byte is waited for, and time-to-first-token is recorded', async () => {
    fake.script(() => ({ text: 'late but fine', firstByteDelayMs: 300 }));
    const { stream, sid } = await askStream('slow');
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('late but fine');
    const turn = proxy.app.turns.listBySession(sid).at(-1)!;
    expect(turn.ttftMs!).toBeGreaterThanOrEqual(290);
  });

  it('a connection reset mid-stream reaches the client as an error and is recorded with the partial text', async () => {
    fake.script(() => ({
      text: 'partial text that will be cut off somewhere',
      fault: 'reset-mid-stream',
      chunkDelayMs: 5,
    }));
    const { stream, sid } = await askStream('reset');
    const err = await (async () => {
      for await (const _ of stream) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const turn = await eventually(() => proxy.app.turns.listBySession(sid).at(-1));
    expect(turn.status).toBe('error');
    expect(turn.error).toMatch(/mid-stream/);
  });

  it('a client that disconnects mid-stream cancels the upstream and leaves an aborted turn', async () => {
    fake.script(() => ({ text: 'a long answer '.repeat(40), chunkDelayMs: 20, chunkSize: 4 }));
    const controller = new AbortController();
    const { data: stream, response } = await client.chat.completions
      .create(
        { model: 'm', messages: [{ role: 'user', content: 'abort me' }], stream: true },
        { signal: controller.signal },
      )
      .withResponse();
    const sid = response.headers.get('x-metaclaw-session-id')!;
    let n = 0;
    await (async () => {
      for await (const _ of stream) {
        if (++n === 3) controller.abort();
      }
    })().catch(() => {});
    const turn = await eventually(() => proxy.app.turns.listBySession(sid).at(-1));
    expect(turn.status).toBe('aborted');
    const partial = JSON.parse(turn.responseJson!).choices[0].message.content as string;
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan('a long answer '.repeat(40).length);
  });

  it('with no upstream configured, answers 503 saying how to configure one (both shapes)', async () => {
    const bare = await startProxy({});
    try {
      const o = await new OpenAI({ baseURL: `${bare.url}/v1`, apiKey: 'k', maxRetries: 0 }).chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect((o as { status: number }).status).toBe(503);
      expect((o as Error).message).toMatch(/OPENAI_API_KEY/);
      const a = await new Anthropic({ baseURL: bare.url, apiKey: 'k', maxRetries: 0 }).messages
        .create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect((a as { status: number }).status).toBe(503);
      expect((a as Error).message).toMatch(/ANTHROPIC_API_KEY/);
    } finally {
      await bare.close();
    }
  });

  it('an Anthropic upstream 429 reaches an Anthropic client as a rate-limit error once retries are spent', async () => {
    const ap = await startProxy({ upstream: anthropicUpstream(fake.url, { max_retries: 1 }) });
    try {
      fake.script(() => ({ fault: { status: 429, message: 'rate limited', retryAfterS: 0 } }));
      const err = await new Anthropic({ baseURL: ap.url, apiKey: 'k', maxRetries: 0 }).messages
        .create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    } finally {
      await ap.close();
    }
  });
});
