import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBackend, servesResponsesApi } from '../../src/upstream/http-backend.js';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { anthropicUpstream, openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

let fake: FakeLlm;
let translated: TestProxy;
let toAnthropic: TestProxy;
let native: TestProxy;

const tools: OpenAI.Responses.Tool[] = [
  {
    type: 'function',
    name: 'weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    strict: false,
  },
];

beforeAll(async () => {
  fake = await startFakeLlm();
  translated = await startProxy({ upstream: openaiUpstream(fake.url, { model: 'chat-upstream' }) });
  toAnthropic = await startProxy({ upstream: anthropicUpstream(fake.url) });
  const nativeUpstream = openaiUpstream(fake.url, { responses_api: 'native' });
  native = await startProxy({ upstream: nativeUpstream });
  // The app builds its backend without the key until src/app.ts passes it on; wire it here.
  native.app.setBackend(
    new HttpBackend({
      upstream: {
        provider: 'openai',
        baseUrl: `${fake.url}/v1`,
        apiKey: 'upstream-secret',
        source: 'config',
      },
      timeoutMs: 10_000,
      connectTimeoutMs: 2_000,
      maxRetries: 0,
      maxRetryWaitMs: 0,
      anthropicVersion: '2023-06-01',
      responsesApi: 'native',
    }),
  );
});
afterAll(async () => {
  await Promise.all([translated.close(), toAnthropic.close(), native.close()]);
  await fake.close();
});

const clientOf = (p: TestProxy) =>
  new OpenAI({ baseURL: `${p.url}/v1`, apiKey: 'client-key', maxRetries: 0 });

function turnOf(p: TestProxy, response: Response) {
  const turn = p.app.turns.get(response.headers.get('x-metaclaw-turn-id')!);
  expect(turn).toBeDefined();
  return turn!;
}

describe('Responses API translated to a Chat Completions upstream', () => {
  it('answers text with usage and records the turn as openai-responses', async () => {
    fake.script(() => ({ text: 'Paris.', usage: { input: 12, output: 3 } }));
    const { data, response } = await clientOf(translated)
      .responses.create({
        model: 'codex-model',
        instructions: 'Answer briefly.',
        input: 'Capital of France?',
        max_output_tokens: 50,
        temperature: 0.2,
      })
      .withResponse();
    expect(data.output_text).toBe('Paris.');
    expect(data.status).toBe('completed');
    expect(data.usage).toMatchObject({ input_tokens: 12, output_tokens: 3, total_tokens: 15 });
    const up = fake.requests.at(-1)!;
    expect(up.path).toBe('/v1/chat/completions');
    expect(up.body).toMatchObject({
      model: 'chat-upstream',
      max_tokens: 50,
      temperature: 0.2,
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'Capital of France?' },
      ],
    });
    const turn = turnOf(translated, response);
    expect(turn.protocol).toBe('openai-responses');
    expect(turn.upstreamProtocol).toBe('openai-chat');
    expect(JSON.parse(turn.responseJson!)).toMatchObject({ object: 'response', status: 'completed' });
    expect(JSON.parse(turn.requestJson).input).toBe('Capital of France?');
  });

  it('returns function calls with their arguments, and accepts the tool output back', async () => {
    fake.script(() => ({ toolCalls: [{ id: 'call_w1', name: 'weather', arguments: { city: 'Oslo' } }] }));
    const client = clientOf(translated);
    const first = await client.responses.create({
      model: 'codex-model',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Weather in Oslo?' }] }],
      tools,
      tool_choice: 'auto',
    });
    const call = first.output.find((o) => o.type === 'function_call')!;
    expect(call).toMatchObject({ type: 'function_call', name: 'weather', call_id: 'call_w1' });
    expect(JSON.parse((call as OpenAI.Responses.ResponseFunctionToolCall).arguments)).toEqual({
      city: 'Oslo',
    });
    expect(fake.requests.at(-1)!.body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'weather',
          description: 'Weather for a city',
          parameters: tools[0]!.type === 'function' ? tools[0]!.parameters : null,
          strict: false,
        },
      },
    ]);

    fake.script(() => ({ text: 'It is sunny in Oslo.' }));
    const second = await client.responses.create({
      model: 'codex-model',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Weather in Oslo?' }] },
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: 'call_w1', output: '{"sky":"sunny"}' },
      ],
      tools,
      store: false,
    });
    expect(second.output_text).toBe('It is sunny in Oslo.');
    const messages = fake.requests.at(-1)!.body.messages as Record<string, unknown>[];
    expect(messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_w1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_w1', content: '{"sky":"sunny"}' },
    ]);
  });

  it("runs Codex's tool loop: namespace and custom tools as Chat functions, hosted tools left out", async () => {
    const codexTools = [
      ...tools,
      {
        type: 'namespace',
        name: 'multi_agent_v1',
        description: 'Sub-agents.',
        tools: [{ type: 'function', name: 'spawn_agent', parameters: { type: 'object' } }],
      },
      { type: 'custom', name: 'apply_patch', description: 'Patch files.' },
      { type: 'web_search', external_web_access: false },
    ] as unknown as OpenAI.Responses.Tool[];
    fake.script(() => ({
      toolCalls: [
        { id: 'call_s1', name: 'multi_agent_v1__spawn_agent', arguments: { message: 'go' } },
        { id: 'call_p1', name: 'apply_patch', arguments: { input: '*** Begin Patch' } },
      ],
    }));
    const client = clientOf(translated);
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'Spawn and patch.' }];
    const stream = client.responses.stream({ model: 'codex-model', input, tools: codexTools });
    const first = await stream.finalResponse();
    const sent = fake.requests.at(-1)!.body;
    expect((sent.tools as { function: { name: string } }[]).map((t) => t.function.name)).toEqual([
      'weather',
      'multi_agent_v1__spawn_agent',
      'apply_patch',
    ]);
    expect(first.output).toMatchObject([
      { type: 'function_call', name: 'spawn_agent', namespace: 'multi_agent_v1', call_id: 'call_s1' },
      { type: 'custom_tool_call', name: 'apply_patch', input: '*** Begin Patch', call_id: 'call_p1' },
    ]);

    fake.script(() => ({ text: 'Both done.' }));
    const second = await client.responses.create({
      model: 'codex-model',
      input: [
        ...input,
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: 'call_s1', output: 'agent 7' },
        { type: 'custom_tool_call_output', call_id: 'call_p1', output: 'patched' },
      ],
      tools: codexTools,
    });
    expect(second.output_text).toBe('Both done.');
    const messages = fake.requests.at(-1)!.body.messages as Record<string, unknown>[];
    expect(messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_s1',
            type: 'function',
            function: { name: 'multi_agent_v1__spawn_agent', arguments: '{"message":"go"}' },
          },
          {
            id: 'call_p1',
            type: 'function',
            function: { name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_s1', content: 'agent 7' },
      { role: 'tool', tool_call_id: 'call_p1', content: 'patched' },
    ]);
  });

  it('streams the real event sequence with deltas arriving over time', async () => {
    fake.script(() => ({
      reasoning: { text: 'Think about Oslo.' },
      text: 'Checking the weather now.',
      toolCalls: [{ id: 'call_s1', name: 'weather', arguments: { city: 'Oslo' } }],
      chunkDelayMs: 25,
      chunkSize: 5,
    }));
    const { data: stream, response } = await clientOf(translated)
      .responses.create({ model: 'codex-model', input: 'Oslo?', tools, stream: true })
      .withResponse();
    const types: string[] = [];
    const seqs: number[] = [];
    const deltaAt: number[] = [];
    let text = '';
    let final: OpenAI.Responses.Response | undefined;
    for await (const ev of stream) {
      types.push(ev.type);
      seqs.push(ev.sequence_number);
      if (ev.type === 'response.output_text.delta') {
        text += ev.delta;
        deltaAt.push(Date.now());
      }
      if (ev.type === 'response.completed') final = ev.response;
    }
    expect(text).toBe('Checking the weather now.');
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(types.slice(0, 2)).toEqual(['response.created', 'response.in_progress']);
    expect(types.at(-1)).toBe('response.completed');
    for (const t of [
      'response.output_item.added',
      'response.content_part.added',
      'response.reasoning_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
    ]) {
      expect(types).toContain(t);
    }
    expect(deltaAt.at(-1)! - deltaAt[0]!).toBeGreaterThan(60);
    expect(final!.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(final!.usage?.output_tokens).toBeGreaterThan(0);
    const turn = turnOf(translated, response);
    expect(turn.status).toBe('ok');
    expect(turn.ttftMs).not.toBeNull();
    // The record is the assembled response: what the stream's final event carried.
    expect(JSON.parse(turn.responseJson!)).toEqual(JSON.parse(JSON.stringify(final)));
  });

  it('gives the same answer through responses.stream().finalResponse()', async () => {
    fake.script(() => ({ text: 'Streamed via helper.', chunkDelayMs: 2 }));
    const final = await clientOf(translated)
      .responses.stream({ model: 'codex-model', input: 'hi' })
      .finalResponse();
    expect(final.output_text).toBe('Streamed via helper.');
  });

  it('rejects bad input with a 400 in OpenAI shape naming the field', async () => {
    const client = clientOf(translated);
    const bad = await client.responses
      .create({ model: 'm', input: [{ type: 'function_call_output', output: 'x' }] } as never)
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('input[0].call_id');
    expect((bad as Error).message).toMatch(/input\[0\]\.call_id/);
    const prev = await client.responses
      .create({ model: 'm', input: 'more', previous_response_id: 'resp_123' })
      .catch((e: unknown) => e);
    expect(prev).toBeInstanceOf(OpenAI.BadRequestError);
    expect((prev as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('previous_response_id');
  });

  it('reports a mid-stream upstream failure as response.failed and records the error', async () => {
    fake.script(() => ({
      text: 'This answer will be cut off halfway.',
      chunkSize: 4,
      fault: 'reset-mid-stream',
    }));
    const { data: stream, response } = await clientOf(translated)
      .responses.create({ model: 'm', input: 'go', stream: true })
      .withResponse();
    const types: string[] = [];
    let failed: OpenAI.Responses.Response | undefined;
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'response.failed') failed = ev.response;
    }
    expect(types.slice(-2)).toEqual(['error', 'response.failed']);
    expect(failed!.error?.message).toMatch(/mid-stream/);
    expect(turnOf(translated, response).status).toBe('error');
  });
});

describe('Responses API chained to an Anthropic upstream', () => {
  it('translates non-streaming text and tool calls', async () => {
    fake.script(() => ({
      text: 'Let me look.',
      toolCalls: [{ id: 'toolu_1', name: 'weather', arguments: { city: 'Rome' } }],
    }));
    const res = await clientOf(toAnthropic).responses.create({
      model: 'claude-x',
      instructions: 'Be terse.',
      input: 'Weather in Rome?',
      tools,
    });
    const up = fake.requests.at(-1)!;
    expect(up.path).toBe('/v1/messages');
    expect(up.body.system).toBe('Be terse.');
    expect(up.body.tools).toEqual([
      { name: 'weather', description: 'Weather for a city', input_schema: expect.any(Object) },
    ]);
    expect(res.output_text).toBe('Let me look.');
    const call = res.output.find(
      (o) => o.type === 'function_call',
    ) as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call.call_id).toBe('toolu_1');
    expect(JSON.parse(call.arguments)).toEqual({ city: 'Rome' });
  });

  it('streams through both translators and records the assembled response', async () => {
    fake.script(() => ({ text: 'Sunny in Rome.', chunkDelayMs: 5, usage: { input: 20, output: 4 } }));
    const { data: stream, response } = await clientOf(toAnthropic)
      .responses.create({ model: 'claude-x', input: 'Rome?', stream: true })
      .withResponse();
    let final: OpenAI.Responses.Response | undefined;
    for await (const ev of stream) if (ev.type === 'response.completed') final = ev.response;
    expect(final!.output[0]).toMatchObject({ type: 'message', content: [{ text: 'Sunny in Rome.' }] });
    expect(final!.usage).toMatchObject({ input_tokens: 20, output_tokens: 4 });
    const turn = turnOf(toAnthropic, response);
    expect(turn.upstreamProtocol).toBe('anthropic-messages');
    expect(JSON.parse(turn.responseJson!).output[0].content[0].text).toBe('Sunny in Rome.');
  });
});

describe('Responses API passed through to a native upstream', () => {
  it('forwards the body untouched to /v1/responses, previous_response_id included', async () => {
    fake.script(() => ({ text: 'Native answer.' }));
    const { data, response } = await clientOf(native)
      .responses.create({ model: 'gpt-native', input: 'hi', previous_response_id: 'resp_prev', store: true })
      .withResponse();
    expect(data.output_text).toBe('Native answer.');
    const up = fake.requests.at(-1)!;
    expect(up.path).toBe('/v1/responses');
    expect(up.body.previous_response_id).toBe('resp_prev');
    expect(up.apiKey).toBe('upstream-secret');
    const turn = turnOf(native, response);
    expect(turn.upstreamProtocol).toBe('openai-responses');
    expect(JSON.parse(turn.responseJson!).id).toBe(data.id);
  });

  it('relays the upstream stream byte for byte and records the final response', async () => {
    fake.script(() => ({
      reasoning: { text: 'hmm' },
      text: 'Streaming natively.',
      toolCalls: [{ name: 'weather', arguments: { city: 'Bern' } }],
      chunkDelayMs: 3,
    }));
    const { data: stream, response } = await clientOf(native)
      .responses.create({ model: 'gpt-native', input: 'Bern?', tools, stream: true })
      .withResponse();
    let final: OpenAI.Responses.Response | undefined;
    for await (const ev of stream) if (ev.type === 'response.completed') final = ev.response;
    expect(final!.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call']);
    const turn = turnOf(native, response);
    expect(turn.status).toBe('ok');
    expect(JSON.parse(turn.responseJson!)).toEqual(JSON.parse(JSON.stringify(final)));
  });
});

describe('upstream.responses_api', () => {
  const up = (provider: 'openai' | 'anthropic', baseUrl: string) => ({
    provider,
    baseUrl,
    source: 'config' as const,
  });
  it('auto passes through only on OpenAI itself; native and translate decide outright', () => {
    expect(servesResponsesApi(up('openai', 'https://api.openai.com/v1'))).toBe(true);
    expect(servesResponsesApi(up('openai', 'http://localhost:11434/v1'), 'auto')).toBe(false);
    expect(servesResponsesApi(up('openai', 'http://localhost:11434/v1'), 'native')).toBe(true);
    expect(servesResponsesApi(up('openai', 'https://api.openai.com/v1'), 'translate')).toBe(false);
    expect(servesResponsesApi(up('anthropic', 'https://api.anthropic.com'), 'native')).toBe(false);
  });
});
