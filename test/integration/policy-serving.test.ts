import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { validateConfig } from '../../src/config/load.js';
import { renderChatRequest } from '../../src/learning/policy/render.js';
import type { PolicyTokenizer } from '../../src/learning/policy/tokenizer.js';
import type { TurnRecord } from '../../src/store/turns.js';
import { POLICY_FIXTURE_DIR, ScriptedSampler } from '../fixtures/policy/index.js';
import { tempHome } from '../helpers/tmp.js';

let app: App;
let tok: PolicyTokenizer;
let v1: ScriptedSampler;

beforeAll(async () => {
  const home = tempHome();
  const config = validateConfig({
    judge: { enabled: false },
    serving: {
      mode: 'policy',
      policy: { tokenizer_dir: POLICY_FIXTURE_DIR, model_id: 'acme/tiny-chat', max_tokens: 64 },
    },
  });
  app = await App.create({
    loaded: { config, file: path.join(home, 'config.yaml'), home, fileExists: false },
    port: 0,
    env: {},
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    policySampler: ({ tokenizer }) => {
      tok = tokenizer;
      v1 = new ScriptedSampler(tokenizer, 1);
      return v1;
    },
  });
  await app.start();
});
afterAll(() => app.stop(2000));

const openai = () => new OpenAI({ baseURL: `${app.url}/v1`, apiKey: 'k', maxRetries: 0 });
const anthropic = () => new Anthropic({ baseURL: app.url, apiKey: 'k', maxRetries: 0 });

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};
const CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';

/** The turn must hold exactly what the sampler saw and returned, and the prompt the backend rendered. */
function expectTokenExact(turn: TurnRecord, sampler: ScriptedSampler, call: number) {
  const sent = JSON.parse(turn.upstreamRequestJson ?? turn.requestJson);
  expect(turn.promptTokenIds).toEqual(renderChatRequest(tok, sent).tokens);
  expect(turn.promptTokenIds).toEqual(sampler.calls[call]!.prompt);
  expect(turn.responseTokenIds).toEqual(sampler.returned[call]!.tokens);
  expect(turn.responseLogprobs).toEqual(sampler.returned[call]!.logprobs);
  expect(turn.policyVersion).toBe(sampler.version);
}

function turnOf(response: Response): TurnRecord {
  return app.turns.get(response.headers.get('x-metaclaw-turn-id')!)!;
}

describe('serving.mode: policy', () => {
  it('answers an OpenAI client (non-stream) and records the exact tokens, logprobs and version', async () => {
    v1.script('<think>\nIt is a greeting.\n</think>\n\nThe weather is fine.');
    const n = v1.calls.length;
    const { data, response } = await openai()
      .chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'weather in Paris?' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]!.message.content).toBe('The weather is fine.');
    expect((data.choices[0]!.message as { reasoning_content?: string }).reasoning_content).toBe(
      'It is a greeting.',
    );
    expect(data.choices[0]!.finish_reason).toBe('stop');
    const turn = turnOf(response);
    expect(turn.status).toBe('ok');
    expect(turn.model).toBe('acme/tiny-chat');
    expectTokenExact(turn, v1, n);
    // The last sampled token is the stop token: recorded for training, hidden from the reply.
    expect(turn.responseTokenIds!.at(-1)).toBe(tok.tokenId('<|im_end|>'));
    expect(data.usage).toMatchObject({
      prompt_tokens: turn.promptTokenIds!.length,
      completion_tokens: turn.responseTokenIds!.length,
    });
    expect(v1.calls[n]!.params).toMatchObject({
      maxTokens: 64,
      temperature: 1,
      stop: [tok.tokenId('<|im_end|>')],
    });
  });

  it('streams tool calls to an OpenAI client as valid chunks with usage', async () => {
    v1.script(`Checking.\n${CALL}`);
    const n = v1.calls.length;
    const { data: stream, response } = await openai()
      .chat.completions.create({
        model: 'any',
        stream: true,
        stream_options: { include_usage: true },
        max_tokens: 200,
        tools: [weatherTool],
        messages: [{ role: 'user', content: 'weather in Paris?' }],
      })
      .withResponse();
    let content = '';
    const calls: { name?: string; arguments?: string; id?: string }[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (chunk.usage) usage = chunk.usage;
      if (!choice) continue;
      content += choice.delta.content ?? '';
      for (const c of choice.delta.tool_calls ?? []) calls[c.index] = { id: c.id, ...c.function };
      finish = choice.finish_reason ?? finish;
    }
    expect(content).toBe('Checking.');
    expect(calls).toEqual([
      { id: expect.stringMatching(/^call_/), name: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
    expect(finish).toBe('tool_calls');
    const turn = turnOf(response);
    expect(turn.stream).toBe(true);
    expect(usage?.completion_tokens).toBe(turn.responseTokenIds!.length);
    expectTokenExact(turn, v1, n);
    // max_tokens lowers the configured ceiling, never raises it.
    expect(v1.calls[n]!.params.maxTokens).toBe(64);
    expect(tok.decode(turn.promptTokenIds!)).toContain('"name": "get_weather"');
  });

  it('serves an Anthropic client (converted by the pipeline) with tools and a tool result', async () => {
    v1.script('<think>\nUse the result.\n</think>\n\nIt is sunny in Paris.');
    const n = v1.calls.length;
    const { data: msg, response } = await anthropic()
      .messages.create({
        model: 'claude-any',
        max_tokens: 50,
        system: 'Be brief.',
        tools: [
          { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
        ],
        messages: [
          { role: 'user', content: 'weather in Paris?' },
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }],
          },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
        ],
      })
      .withResponse();
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.content).toEqual([
      expect.objectContaining({ type: 'thinking', thinking: 'Use the result.' }),
      expect.objectContaining({ type: 'text', text: 'It is sunny in Paris.' }),
    ]);
    const turn = turnOf(response);
    expect(turn.protocol).toBe('anthropic-messages');
    expectTokenExact(turn, v1, n);
    const prompt = tok.decode(turn.promptTokenIds!);
    expect(prompt).toContain('<|im_start|>system\nBe brief.\n\n# Tools');
    expect(prompt).toContain(
      '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
    );
    expect(prompt).toContain('<tool_response>\nsunny\n</tool_response>');
    expect(v1.calls[n]!.params.maxTokens).toBe(50);
  });

  it('streams a tool call to an Anthropic client', async () => {
    v1.script(CALL);
    const n = v1.calls.length;
    const stream = anthropic().messages.stream({
      model: 'claude-any',
      max_tokens: 100,
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'weather in Paris?' }],
    });
    const { response } = await stream.withResponse();
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([
      expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } }),
    ]);
    expectTokenExact(turnOf(response), v1, n);
  });

  it('refuses content a text-only policy cannot see, in the client protocol, without sampling', async () => {
    const n = v1.calls.length;
    const err = await openai()
      .chat.completions.create({
        model: 'any',
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] },
        ],
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toMatch(/text-only policy/);
    expect(v1.calls.length).toBe(n);
  });

  it('swaps the sampler under concurrent requests: zero failures, each turn token-exact to its own sampler', async () => {
    const v2 = new ScriptedSampler(tok, 2, 'scripted-v2', 'Hello from new weights.');
    v1.hold();
    v2.delayMs = 5;
    const client = openai();
    let settled = 0;
    const one = () =>
      client.chat.completions
        .create({ model: 'any', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse()
        .then(({ data, response }) => ({ text: data.choices[0]!.message.content, turn: turnOf(response) }))
        .finally(() => settled++);
    const started = v1.calls.length;
    const before = Array.from({ length: 20 }, one);
    // Swap while all 20 are held inside v1's sample() (none has answered yet).
    while (v1.calls.length < started + 20) await new Promise((r) => setTimeout(r, 2));
    expect(settled).toBe(0);
    app.policy!.setSampler(v2);
    const after = Array.from({ length: 20 }, one);
    await new Promise((r) => setTimeout(r, 20));
    v1.release();
    const results = await Promise.allSettled([...before, ...after]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const done = results.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof one>>>).value);
    for (const { text, turn } of done) {
      const sampler = turn.policyVersion === 1 ? v1 : v2;
      expect(text).toBe(turn.policyVersion === 1 ? 'Hello from the policy.' : 'Hello from new weights.');
      // Tokens and logprobs both come from the sampler whose version the turn carries.
      const own = sampler.returned.find((s) => s.tokens.join() === turn.responseTokenIds!.join());
      expect(turn.responseLogprobs).toEqual(own!.logprobs);
    }
    // Requests that began before the swap finished on v1; everything after it is v2.
    expect(done.slice(0, 20).map((d) => d.turn.policyVersion)).toEqual(Array(20).fill(1));
    expect(done.slice(20).map((d) => d.turn.policyVersion)).toEqual(Array(20).fill(2));
    const later = await one();
    expect(later.turn.policyVersion).toBe(2);
    expect(app.policy!.sampler).toBe(v2);
    expect(app.policy!.name).toBe('policy sampler scripted-v2 (version 2)');
  });
});
