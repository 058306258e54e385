import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  currentLoop,
  type FakeLlm,
  lastUserText,
  lastUserTurn,
  type RecordedRequest,
  startFakeLlm,
  systemText,
  toolLoop,
  toolNames,
  userTurns,
} from '../fixtures/fake-llm/index.js';

let fake: FakeLlm;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  fake = await startFakeLlm();
  openai = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: fake.url, apiKey: 'sk-ant-test', maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.script((req) => ({ text: `echo: ${lastUserText(req)}` }));
});

const weather = { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius', days: [1, 2, 3] } };
const clock = { name: 'get_time', arguments: { tz: 'Europe/Paris' } };

/** Raw SSE `data:` payloads of a POST, for checks the SDK helpers would paper over. */
async function rawSse(path: string, body: unknown): Promise<{ type: string | null; data: string[] }> {
  const res = await fetch(fake.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const data = text
    .split('\n\n')
    .filter((f) => f !== '')
    .map((f) =>
      f
        .split('\n')
        .find((l) => l.startsWith('data: '))!
        .slice(6),
    );
  return { type: res.headers.get('content-type'), data };
}

describe('OpenAI chat completions', () => {
  it('echoes the last user text and records the request', async () => {
    const r = await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello there' },
      ],
    });
    expect(r.object).toBe('chat.completion');
    expect(r.model).toBe('gpt-test');
    expect(r.choices[0]?.message.content).toBe('echo: hello there');
    expect(r.choices[0]?.finish_reason).toBe('stop');
    expect(r.usage?.total_tokens).toBe((r.usage?.prompt_tokens ?? 0) + (r.usage?.completion_tokens ?? 0));
    const rec = fake.requests[0]!;
    expect(rec).toMatchObject({ method: 'POST', path: '/v1/chat/completions', protocol: 'openai-chat' });
    expect(rec.apiKey).toBe('sk-test');
    expect(rec.headers.authorization).toBe('Bearer sk-test');
    expect(systemText(rec)).toBe('be brief');
  });

  it('returns tool calls non-streaming', async () => {
    fake.script(() => ({ toolCalls: [{ id: 'call_fixed', ...weather }] }));
    const r = await openai.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'w?' }],
    });
    const msg = r.choices[0]!.message;
    expect(msg.content).toBeNull();
    expect(r.choices[0]?.finish_reason).toBe('tool_calls');
    const call = msg.tool_calls![0]!;
    expect(call.id).toBe('call_fixed');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual(weather.arguments);
  });

  it('streams text and two parallel tool calls that the SDK assembles', async () => {
    fake.script(() => ({ text: 'Let me check both.', toolCalls: [weather, clock], chunkSize: 5 }));
    const stream = openai.chat.completions.stream({
      model: 'm',
      messages: [{ role: 'user', content: 'weather and time?' }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    const choice = final.choices[0]!;
    expect(choice.message.content).toBe('Let me check both.');
    expect(choice.finish_reason).toBe('tool_calls');
    const calls = choice.message.tool_calls!.map((c) => (c.type === 'function' ? c.function : null));
    expect(calls.map((c) => c?.name)).toEqual(['get_weather', 'get_time']);
    expect(calls.map((c) => JSON.parse(c?.arguments ?? ''))).toEqual([weather.arguments, clock.arguments]);
    expect(choice.message.tool_calls![0]!.id).toMatch(/^call_/);
    expect(final.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('follows the OpenAI chunk sequence on the wire', async () => {
    fake.script(() => ({ text: 'hi', reasoning: { text: 'thinking hard' }, toolCalls: [weather, clock] }));
    const { type, data } = await rawSse('/v1/chat/completions', {
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(type).toContain('text/event-stream');
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0].choices[0].delta).toMatchObject({ role: 'assistant', content: '' });
    const deltas = chunks.filter((c) => c.choices.length > 0).map((c) => c.choices[0].delta);
    expect(deltas.map((d) => d.reasoning_content ?? '').join('')).toBe('thinking hard');
    const toolDeltas = deltas.flatMap((d) => d.tool_calls ?? []);
    // Each call opens with id/type/name and empty arguments; fragments carry only index + arguments.
    expect(toolDeltas[0]).toMatchObject({
      index: 0,
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    expect(toolDeltas[1]).toMatchObject({
      index: 1,
      type: 'function',
      function: { name: 'get_time', arguments: '' },
    });
    expect(toolDeltas[2]).toEqual({ index: 0, function: { arguments: expect.any(String) } });
    expect(toolDeltas[3]).toEqual({ index: 1, function: { arguments: expect.any(String) } });
    const last = chunks.at(-2);
    expect(last.choices[0]).toMatchObject({ delta: {}, finish_reason: 'tool_calls' });
    const usage = chunks.at(-1);
    expect(usage.choices).toEqual([]);
    expect(usage.usage.total_tokens).toBeGreaterThan(0);
  });

  it('produces n choices', async () => {
    const r = await openai.chat.completions.create({
      model: 'm',
      n: 2,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(r.choices.map((c) => c.index)).toEqual([0, 1]);
    expect(new Set(r.choices.map((c) => c.message.content)).size).toBe(2);
    const final = await openai.chat.completions
      .stream({ model: 'm', n: 2, messages: [{ role: 'user', content: 'hi' }] })
      .finalChatCompletion();
    expect(final.choices.map((c) => c.message.content)).toEqual(r.choices.map((c) => c.message.content));
  });
});

describe('Anthropic messages', () => {
  const reply = {
    reasoning: { text: 'The user wants weather.', signature: 'sig-abc' },
    text: 'Checking the weather.',
    toolCalls: [weather],
    chunkSize: 4,
  };

  it('streams thinking with signature, text and tool_use with parsed input', async () => {
    fake.script(() => reply);
    const stream = anthropic.messages.stream({
      model: 'claude-test',
      max_tokens: 1024,
      system: [{ type: 'text', text: 'sys one' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'weather?' }] }],
    });
    const events: string[] = [];
    for await (const ev of stream) events.push(ev.type);
    const msg = await stream.finalMessage();
    expect(events[0]).toBe('message_start');
    expect(events.at(-1)).toBe('message_stop');
    expect(msg.id).toMatch(/^msg_/);
    expect(msg.model).toBe('claude-test');
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(msg.content[0]).toMatchObject({ thinking: 'The user wants weather.', signature: 'sig-abc' });
    expect(msg.content[1]).toMatchObject({ text: 'Checking the weather.' });
    expect(msg.content[2]).toMatchObject({ name: 'get_weather', input: weather.arguments });
    expect((msg.content[2] as { id: string }).id).toMatch(/^toolu_/);
    expect(msg.usage.output_tokens).toBeGreaterThan(1);
    const rec = fake.requests[0]!;
    expect(rec.apiKey).toBe('sk-ant-test');
    expect(systemText(rec)).toBe('sys one');
    expect(lastUserText(rec)).toBe('weather?');
  });

  it('sends the real event sequence on the wire', async () => {
    fake.script(() => reply);
    const res = await fetch(`${fake.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'c',
        max_tokens: 10,
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      }),
    });
    const names = [...(await res.text()).matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    expect(names.slice(0, 3)).toEqual(['message_start', 'ping', 'content_block_start']);
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(names.filter((n) => n === 'content_block_start')).toHaveLength(3);
    expect(fake.requests[0]?.query).toEqual({ beta: 'true' });
  });

  it('answers non-streaming, also through the beta path', async () => {
    fake.script(() => reply);
    const msg = await anthropic.beta.messages.create({
      model: 'c',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(msg.content[2]).toMatchObject({ input: weather.arguments });
    expect(fake.requests[0]).toMatchObject({ path: '/v1/messages', protocol: 'anthropic' });
    fake.script(() => ({ text: 'cut', stopReason: 'length' }));
    const cut = await anthropic.messages.create({
      model: 'c',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(cut.stop_reason).toBe('max_tokens');
  });
});

describe('OpenAI Responses', () => {
  it('streams events with sequence numbers ending in response.completed', async () => {
    fake.script(() => ({ text: 'Hello from responses', toolCalls: [weather], chunkSize: 6 }));
    const stream = await openai.responses.create({
      model: 'm',
      input: 'hi',
      instructions: 'inst',
      stream: true,
    });
    const events = [];
    for await (const ev of stream) events.push(ev);
    expect(events[0]?.type).toBe('response.created');
    expect(events.at(-1)?.type).toBe('response.completed');
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const text = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : [])).join('');
    expect(text).toBe('Hello from responses');
    const args = events.find((e) => e.type === 'response.function_call_arguments.done');
    expect(args?.type === 'response.function_call_arguments.done' && JSON.parse(args.arguments)).toEqual(
      weather.arguments,
    );
    expect(systemText(fake.requests[0]!)).toBe('inst');
  });

  it('is accumulated by the SDK into output_text', async () => {
    const final = await openai.responses.stream({ model: 'm', input: 'ping' }).finalResponse();
    expect(final.output_text).toBe('echo: ping');
    expect(final.status).toBe('completed');
    const plain = await openai.responses.create({
      model: 'm',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'pong' }] }],
    });
    expect(plain.output_text).toBe('echo: pong');
    expect(plain.usage?.total_tokens).toBeGreaterThan(0);
  });
});

describe('legacy completions and models', () => {
  it('echoes the prompt with deterministic per-token logprobs', async () => {
    fake.script(() => ({ text: ' and more' }));
    const r = await openai.completions.create({ model: 'm', prompt: 'the cat sat', echo: true, logprobs: 1 });
    const choice = r.choices[0]!;
    expect(choice.text).toBe('the cat sat and more');
    expect(choice.logprobs?.tokens?.join('')).toBe(choice.text);
    expect(choice.logprobs?.token_logprobs?.[0]).toBeNull();
    expect(choice.logprobs?.token_logprobs?.slice(1).every((l) => typeof l === 'number' && l < 0)).toBe(true);
    const again = await openai.completions.create({
      model: 'm',
      prompt: 'the cat sat',
      echo: true,
      logprobs: 1,
    });
    expect(again.choices[0]?.logprobs?.token_logprobs).toEqual(choice.logprobs?.token_logprobs);
  });

  it('lists models for both clients', async () => {
    const o = await openai.models.list();
    expect(o.data.map((m) => m.id)).toEqual(['fake-model']);
    const a = await anthropic.models.list();
    expect(a.data.map((m) => m.id)).toEqual(['fake-model']);
  });
});

describe('faults', () => {
  it('turns a 429 with retry-after into the SDKs RateLimitError', async () => {
    fake.script(() => ({ fault: { status: 429, message: 'slow down', retryAfterS: 7 } }));
    const err = await openai.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7');
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({ message: 'slow down' });
    const aerr = await anthropic.messages
      .create({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(aerr).toBeInstanceOf(Anthropic.RateLimitError);
    expect((aerr as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'slow down' },
    });
  });

  it('makes the SDK throw on reset-mid-stream', async () => {
    fake.script(() => ({ text: 'a long answer that will be cut off somewhere', fault: 'reset-mid-stream' }));
    await expect(
      openai.chat.completions
        .stream({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
        .finalChatCompletion(),
    ).rejects.toThrow();
    await expect(
      anthropic.messages
        .stream({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
        .finalMessage(),
    ).rejects.toThrow();
    await expect(
      openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toThrow();
    // Some chunks must arrive before the cut, or the proxy's mid-stream handling is never exercised.
    const stream = await openai.chat.completions.create({
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    });
    let received = 0;
    const drain = async () => {
      for await (const _ of stream) received++;
    };
    await expect(drain()).rejects.toThrow(/terminated/);
    expect(received).toBeGreaterThan(0);
  });

  it('resets before responding and hangs until the client gives up', async () => {
    fake.script(() => ({ fault: 'reset-before-response' }));
    await expect(
      openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    fake.script(() => ({ fault: 'hang' }));
    const started = Date.now();
    await expect(
      openai.chat.completions.create(
        { model: 'm', messages: [{ role: 'user', content: 'x' }] },
        { timeout: 150 },
      ),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('rejects wrong keys when requireKey is set', async () => {
    const guarded = await startFakeLlm({ requireKey: 'right' });
    try {
      const bad = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
      await expect(bad.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      const badA = new Anthropic({ baseURL: guarded.url, apiKey: 'wrong', maxRetries: 0 });
      const err = await badA.messages
        .create({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
      const good = new Anthropic({ baseURL: guarded.url, apiKey: 'right', maxRetries: 0 });
      const ok = await good.messages.create({
        model: 'c',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'k' }],
      });
      expect(ok.content[0]).toMatchObject({ type: 'text', text: 'echo: k' });
    } finally {
      await guarded.close();
    }
  });

  it('closes promptly while a request hangs', async () => {
    const f = await startFakeLlm({ responder: () => ({ fault: 'hang' }) });
    const client = new OpenAI({ baseURL: `${f.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const pending = client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    pending.catch(() => {});
    while (f.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await f.close();
    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
  });
});

describe('stream shaping', () => {
  it('delays the first byte and paces chunks', async () => {
    fake.script(() => ({ text: 'abcdefgh', chunkSize: 2, firstByteDelayMs: 60, chunkDelayMs: 15 }));
    const started = Date.now();
    const stream = await openai.chat.completions.create({
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    });
    let firstAt = 0;
    let text = '';
    for await (const chunk of stream) {
      if (firstAt === 0) firstAt = Date.now() - started;
      text += chunk.choices[0]?.delta.content ?? '';
    }
    const total = Date.now() - started;
    expect(text).toBe('abcdefgh');
    expect(firstAt).toBeGreaterThanOrEqual(55);
    // 7 chunks (role, 4 content, finish, [DONE]) → at least 6 gaps of 15 ms after the first byte.
    expect(total - firstAt).toBeGreaterThanOrEqual(80);
  });
});

describe('text helpers', () => {
  const req = (body: Record<string, unknown>) => ({ body });
  it('read user and system text in all three protocols', () => {
    const chat = req({
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'dev' }] },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: 'second' }] },
      ],
    });
    expect(lastUserText(chat)).toBe('second');
    expect(systemText(chat)).toBe('dev');
    const messages = req({ system: 'plain system', messages: [{ role: 'user', content: 'hey' }] });
    expect(systemText(messages)).toBe('plain system');
    expect(lastUserText(messages)).toBe('hey');
    const responses = req({ instructions: 'ins', input: [{ type: 'message', role: 'user', content: 'r' }] });
    expect(systemText(responses)).toBe('ins');
    expect(lastUserText(responses)).toBe('r');
    expect(lastUserText(req({}))).toBe('');
  });

  it('reports a responder crash as a 500 in the protocol shape', async () => {
    fake.script(() => {
      throw new Error('boom');
    });
    const err = await anthropic.messages
      .create({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(String((err as Error).message)).toContain('boom');
  });
});

describe('user turns', () => {
  const req = (body: Record<string, unknown>) => ({ body });

  it('merges consecutive user messages into one turn (Chat; system messages in between do not split it)', () => {
    const chat = req({
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'old task' },
        { role: 'assistant', content: 'done' },
        { role: 'user', content: 'context: repo is clean' },
        { role: 'developer', content: 'be careful' },
        { role: 'user', content: [{ type: 'text', text: 'now fix the bug' }] },
      ],
    });
    expect(lastUserTurn(chat)).toBe('context: repo is clean\n\nnow fix the bug');
    expect(lastUserText(chat)).toBe('now fix the bug');
    expect(userTurns(chat).map((t) => t.messages)).toEqual([
      ['old task'],
      ['context: repo is clean', 'now fix the bug'],
    ]);
  });

  it('reads Anthropic tool_result messages as the agent loop, not user words', () => {
    const body = req({
      system: [{ type: 'text', text: 'agent' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: '<system-reminder>x</system-reminder>' }] },
        { role: 'user', content: 'count the lines' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Reading.' },
            { type: 'tool_use', id: 'toolu_1', name: 'Read', input: { path: 'a' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'l1\nl2' }] },
            { type: 'text', text: 'reminder beside the result' },
          ],
        },
      ],
    });
    expect(lastUserTurn(body)).toBe('<system-reminder>x</system-reminder>\n\ncount the lines');
    // lastUserText still reads the last user-role message as it is.
    expect(lastUserText(body)).toBe('reminder beside the result');
    const loop = currentLoop(body);
    expect(loop.calls.map((c) => [c.name, c.id, JSON.parse(c.arguments)])).toEqual([
      ['Read', 'toolu_1', { path: 'a' }],
    ]);
    expect(loop.results).toEqual(['l1\nl2']);
  });

  it('reads Responses input items: user messages, function calls and their outputs', () => {
    const body = req({
      instructions: 'ins',
      input: [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'perm' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context/>' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'list files' }] },
        { type: 'reasoning', summary: [] },
        { type: 'function_call', name: 'shell', call_id: 'c1', arguments: '{"command":["ls"]}' },
        { type: 'function_call_output', call_id: 'c1', output: 'a.txt' },
      ],
      tools: [
        { type: 'function', name: 'shell' },
        { type: 'namespace', name: 'ns', tools: [{ type: 'function', name: 'inner' }] },
        { type: 'custom', name: 'apply_patch' },
        { type: 'web_search' },
      ],
    });
    expect(lastUserTurn(body)).toBe('<environment_context/>\n\nlist files');
    expect(currentLoop(body).results).toEqual(['a.txt']);
    expect(toolNames(body)).toEqual(['shell', 'ns.inner', 'apply_patch']);
    expect(lastUserTurn(req({ input: 'plain' }))).toBe('plain');
    expect(lastUserTurn(req({ prompt: ['p'] }))).toBe('p');
    expect(lastUserTurn(req({}))).toBe('');
  });
});

describe('toolLoop', () => {
  const tools = {
    anthropic: [
      { name: 'read_file', description: 'read', input_schema: { type: 'object' as const, properties: {} } },
    ],
    chat: [{ type: 'function' as const, function: { name: 'read_file', parameters: { type: 'object' } } }],
    responses: [
      { type: 'function' as const, name: 'read_file', parameters: { type: 'object' }, strict: false },
    ],
  };
  const loop = () =>
    toolLoop({
      calls: [
        { tool: ['Read', 'read_file'], arguments: (r: RecordedRequest) => ({ path: lastUserTurn(r) }) },
      ],
      final: (_r, results) => `The file has ${results[0]!.split('\n').length} lines.`,
      otherwise: () => ({ text: 'A title' }),
      idPrefix: 'call_fixed_',
    });

  it('Anthropic, streaming: tool_use first, final text once the result is back; side calls get otherwise', async () => {
    fake.script(loop());
    const first = await anthropic.messages
      .stream({
        model: 'c',
        max_tokens: 100,
        tools: tools.anthropic,
        messages: [{ role: 'user', content: 'notes.txt' }],
      })
      .finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b) => b.type === 'tool_use')!;
    expect(use).toMatchObject({
      type: 'tool_use',
      id: 'call_fixed_1',
      name: 'read_file',
      input: { path: 'notes.txt' },
    });
    const second = await anthropic.messages.create({
      model: 'c',
      max_tokens: 100,
      tools: tools.anthropic,
      messages: [
        { role: 'user', content: 'notes.txt' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'a\nb\nc' }] },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content).toEqual([{ type: 'text', text: 'The file has 3 lines.' }]);
    // A follow-up user turn starts a new loop.
    const third = await anthropic.messages.create({
      model: 'c',
      max_tokens: 100,
      tools: tools.anthropic,
      messages: [
        { role: 'user', content: 'notes.txt' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'a\nb\nc' }] },
        { role: 'assistant', content: second.content },
        { role: 'user', content: 'other.txt' },
      ],
    });
    expect(third.content.find((b) => b.type === 'tool_use')).toMatchObject({ input: { path: 'other.txt' } });
    const side = await anthropic.messages.create({
      model: 'c',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'title?' }],
    });
    expect(side.content).toEqual([{ type: 'text', text: 'A title' }]);
  });

  it('OpenAI Chat, streaming: tool_calls then text', async () => {
    fake.script(loop());
    const stream = await openai.chat.completions.create({
      model: 'm',
      stream: true,
      tools: tools.chat,
      messages: [{ role: 'user', content: 'notes.txt' }],
    });
    let args = '';
    let name = '';
    let id = '';
    let finish: string | null = null;
    for await (const ch of stream) {
      const tc = ch.choices[0]?.delta.tool_calls?.[0];
      if (tc?.function?.name) name = tc.function.name;
      if (tc?.id) id = tc.id;
      args += tc?.function?.arguments ?? '';
      finish = ch.choices[0]?.finish_reason ?? finish;
    }
    expect([name, id, JSON.parse(args), finish]).toEqual([
      'read_file',
      'call_fixed_1',
      { path: 'notes.txt' },
      'tool_calls',
    ]);
    const second = await openai.chat.completions.create({
      model: 'm',
      tools: tools.chat,
      messages: [
        { role: 'user', content: 'notes.txt' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id, type: 'function', function: { name, arguments: args } }],
        },
        { role: 'tool', tool_call_id: id, content: 'one\ntwo' },
      ],
    });
    expect(second.choices[0]?.message.content).toBe('The file has 2 lines.');
  });

  it('OpenAI Responses, streaming: function_call then text', async () => {
    fake.script(loop());
    const first = await openai.responses
      .stream({ model: 'm', tools: tools.responses, input: [{ role: 'user', content: 'notes.txt' }] })
      .finalResponse();
    const call = first.output.find((o) => o.type === 'function_call')!;
    expect(call).toMatchObject({ name: 'read_file', call_id: 'call_fixed_1' });
    expect(call.type === 'function_call' && JSON.parse(call.arguments)).toEqual({ path: 'notes.txt' });
    const second = await openai.responses.create({
      model: 'm',
      tools: tools.responses,
      input: [
        { role: 'user', content: 'notes.txt' },
        { type: 'function_call', name: 'read_file', call_id: 'call_fixed_1', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_fixed_1', output: 'x' },
      ],
    });
    expect(second.output_text).toBe('The file has 1 lines.');
  });

  it('runs several steps in order and falls back when the named tool is not offered', async () => {
    const r = toolLoop({
      calls: [
        { tool: 'ls', arguments: {} },
        { tool: 'cat', arguments: { f: 1 } },
      ],
      final: 'done',
    });
    const body = (messages: unknown[], names = ['ls', 'cat']) =>
      ({
        body: { messages, tools: names.map((n) => ({ type: 'function', function: { name: n } })) },
      }) as unknown as RecordedRequest;
    const u = { role: 'user', content: 'go' };
    const call = (id: string, n: string) => ({
      role: 'assistant',
      tool_calls: [{ id, type: 'function', function: { name: n, arguments: '{}' } }],
    });
    expect(await r(body([u]))).toMatchObject({ toolCalls: [{ name: 'ls', arguments: {} }] });
    const afterOne = [u, call('a', 'ls'), { role: 'tool', tool_call_id: 'a', content: 'f' }];
    expect(await r(body(afterOne))).toMatchObject({ toolCalls: [{ name: 'cat', arguments: { f: 1 } }] });
    const afterTwo = [...afterOne, call('b', 'cat'), { role: 'tool', tool_call_id: 'b', content: 'x' }];
    expect(await r(body(afterTwo))).toEqual({ text: 'done' });
    // A user message after the tool results (OpenClaw's runtime context) does not restart the loop.
    const ctx = { role: 'user', content: '<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>…' };
    expect(await r(body([...afterOne, ctx]))).toMatchObject({ toolCalls: [{ name: 'cat' }] });
    expect(currentLoop(body([...afterOne, ctx])).task).toBe(`go\n\n${ctx.content}`);
    // After the final answer, the next user message starts a new task.
    const next = [...afterTwo, { role: 'assistant', content: 'done' }, { role: 'user', content: 'again' }];
    expect(await r(body(next))).toMatchObject({ toolCalls: [{ name: 'ls' }] });
    expect(currentLoop(body(next))).toMatchObject({ task: 'again', results: [] });
    expect(await r(body([u], ['other']))).toEqual({ text: 'OK.' });
  });
});
