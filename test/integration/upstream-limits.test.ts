import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { anthropicUpstream, openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

/** An upstream answer larger than upstream.max_response_bytes fails clearly instead of filling memory. */
let fake: FakeLlm;
let openai: TestProxy;
let anthropic: TestProxy;
beforeAll(async () => {
  fake = await startFakeLlm();
  fake.script(() => ({ text: 'x'.repeat(300_000), chunkSize: 10_000 }));
  const limits = { max_response_bytes: 100_000, max_retries: 0 };
  openai = await startProxy({ upstream: openaiUpstream(fake.url, limits) });
  anthropic = await startProxy({ upstream: anthropicUpstream(fake.url, limits) });
});
afterAll(async () => {
  await openai?.close();
  await anthropic?.close();
  await fake?.close();
});

describe('upstream.max_response_bytes', () => {
  it('a too-large answer is a 502 in the OpenAI shape naming the setting', async () => {
    const client = new OpenAI({ baseURL: `${openai.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const err = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'big' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((err as Error).message).toMatch(/upstream\.max_response_bytes/);
  });

  it('a too-large stream ends with an error event in the Anthropic shape', async () => {
    const client = new Anthropic({ baseURL: anthropic.url, apiKey: 'k', maxRetries: 0 });
    const stream = await client.messages.create({
      model: 'm',
      max_tokens: 10,
      stream: true,
      messages: [{ role: 'user', content: 'big' }],
    });
    const err = await (async () => {
      for await (const _ of stream) {
        /* read until the error */
      }
    })().catch((e: unknown) => e);
    expect(String((err as Error)?.message)).toMatch(/upstream\.max_response_bytes/);
  });
});
