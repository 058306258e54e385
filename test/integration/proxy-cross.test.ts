import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { anthropicUpstream, openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

let fake: FakeLlm;
let toOpenAI: TestProxy;
let toAnthropic: TestProxy;

beforeAll(async () => {
  fake = await startFakeLlm();
  toOpenAI = await startProxy({ upstream: openaiUpstream(fake.url, { model: 'gpt-upstream' }) });
  toAnthropic = await startProxy({ upstream: anthropicUpstream(fake.url) });
});
afterAll(async () => {
  await toOpenAI.close();
  await toAnthropic.close();
  await fake.close();
});

describe('an Anthropic client in front of an OpenAI-compatible upstream', () => {
  const client = () => new Anthropic({ baseURL: toOpenAI.url, apiKey: 'k', maxRetries: 0 });

  it('converts text and tool calls, with the configured upstream model', async () => {
    fake.script(() => ({ text: 'Calling the tool.', toolCalls: [{ name: 'lookup', arguments: { id: 7 } }] }));
    const msg = await client().messages.create({
      model: 'claude-test',
      max_tokens: 100,
      system: 'Be brief.',
      tools: [{ name: 'lookup', input_schema: { type: 'object', properties: { id: { type: 'number' } } } }],
      messages: [{ role: 'user', content: 'Find item 7' }],
    });
    const up = fake.requests.at(-1)!;
    expect(up.path).toBe('/v1/chat/completions');
    expect(up.body.model).toBe('gpt-upstream');
    expect((up.body.messages as { role: string }[])[0]!.role).toBe('system');
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'Calling the tool.' });
    expect(msg.content[1]).toMatchObject({ type: 'tool_use', name: 'lookup', input: { id: 7 } });
  });

  it('streams, translating chunks into the Anthropic event sequence', async () => {
    fake.script(() => ({
      text: 'Streaming across protocols.',
      toolCalls: [{ name: 'lookup', arguments: { id: 1 } }],
      chunkDelayMs: 5,
    }));
    const final = await client()
      .messages.stream({
        model: 'claude-test',
        max_tokens: 100,
        tools: [{ name: 'lookup', input_schema: { type: 'object' } }],
        messages: [{ role: 'user', content: 'go' }],
      })
      .finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Streaming across protocols.' });
    expect(final.content[1]).toMatchObject({ type: 'tool_use', name: 'lookup', input: { id: 1 } });
    expect(final.stop_reason).toBe('tool_use');
  });
});

describe('an OpenAI client in front of an Anthropic upstream', () => {
  const client = () => new OpenAI({ baseURL: `${toAnthropic.url}/v1`, apiKey: 'k', maxRetries: 0 });

  it('converts text and tool calls', async () => {
    fake.script(() => ({ text: 'Using a tool.', toolCalls: [{ name: 'calc', arguments: { a: 1, b: 2 } }] }));
    const res = await client().chat.completions.create({
      model: 'claude-test',
      messages: [
        { role: 'system', content: 'You add numbers.' },
        { role: 'user', content: '1+2?' },
      ],
      tools: [{ type: 'function', function: { name: 'calc', parameters: { type: 'object' } } }],
    });
    const up = fake.requests.at(-1)!;
    expect(up.path).toBe('/v1/messages');
    expect(up.body.system).toBe('You add numbers.');
    expect(typeof up.body.max_tokens).toBe('number');
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
    expect(res.choices[0]!.message.content).toBe('Using a tool.');
    expect(
      JSON.parse(
        res.choices[0]!.message.tool_calls![0]!.type === 'function'
          ? (res.choices[0]!.message.tool_calls![0] as { function: { arguments: string } }).function.arguments
          : '{}',
      ),
    ).toEqual({ a: 1, b: 2 });
  });

  it('streams, translating events into chat.completion.chunks', async () => {
    fake.script(() => ({
      text: 'Hello from Claude land.',
      toolCalls: [{ name: 'calc', arguments: { a: 3 } }],
      chunkDelayMs: 5,
    }));
    const stream = client().chat.completions.stream({
      model: 'claude-test',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'calc', parameters: { type: 'object' } } }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Hello from Claude land.');
    const call = final.choices[0]!.message.tool_calls![0] as {
      function: { name: string; arguments: string };
    };
    expect(call.function.name).toBe('calc');
    expect(JSON.parse(call.function.arguments)).toEqual({ a: 3 });
    expect(final.usage).toBeTruthy();
  });

  it('refuses n > 1, which Anthropic cannot serve, naming the field', async () => {
    const err = await client()
      .chat.completions.create({ model: 'claude-test', n: 2, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/\bn\b/);
  });
});
