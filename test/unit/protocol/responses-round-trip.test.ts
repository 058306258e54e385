import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnthropicStreamAssembler } from '../../../src/protocol/assemble-anthropic.js';
import { OpenAIChatStreamAssembler } from '../../../src/protocol/assemble-openai.js';
import { anthropicToOpenAIResponse } from '../../../src/protocol/convert-response.js';
import { AnthropicToOpenAIStream } from '../../../src/protocol/convert-stream.js';
import { ResponsesStreamAssembler } from '../../../src/protocol/responses/assemble.js';
import { chatToResponsesResponse } from '../../../src/protocol/responses/response-from-chat.js';
import { ChatToResponsesStream } from '../../../src/protocol/responses/stream-from-chat.js';
import type { JsonObject, SseEvent } from '../../../src/protocol/types.js';
import { anthropicToolStream, openAIToolStream } from './streams.fixture.js';

/*
 * A streamed answer, translated and assembled, must equal the same answer converted whole:
 * that is what makes streamed and non-streamed turns record the same.
 */

const REQ: JsonObject = {
  model: 'codex-model',
  instructions: 'Be brief.',
  input: 'hi',
  tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }],
  max_output_tokens: 500,
  stream: true,
};

function assemble(events: SseEvent[]): ResponsesStreamAssembler {
  const a = new ResponsesStreamAssembler();
  for (const ev of events) a.push(ev.event ?? '', JSON.parse(ev.data) as JsonObject);
  return a;
}

/** Chat chunks → Responses events, and the same chunks assembled into a chat.completion. */
function viaChat(chunks: JsonObject[]): { streamed: ResponsesStreamAssembler; whole: JsonObject } {
  const t = new ChatToResponsesStream(REQ);
  const chat = new OpenAIChatStreamAssembler();
  for (const c of chunks) chat.push(c);
  const streamed = assemble([...chunks.flatMap((c) => t.push(c)), ...t.finish()]);
  return { streamed, whole: chatToResponsesResponse(chat.result(), REQ) };
}

describe('Responses round trips', () => {
  it('Chat stream → Responses stream, assembled, equals the converted chat.completion', () => {
    const { streamed, whole } = viaChat(openAIToolStream());
    expect(streamed.done).toBe(true);
    expect(streamed.result()).toEqual(whole);
    expect(whole['output']).toEqual([
      {
        id: 'rs_chatcmpl-abc',
        type: 'reasoning',
        summary: [],
        content: [{ type: 'reasoning_text', text: 'Need weather for two cities.' }],
      },
      {
        id: 'msg_chatcmpl-abc',
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Checking both.', annotations: [], logprobs: [] }],
      },
      {
        id: 'fc_chatcmpl-abc_0',
        type: 'function_call',
        status: 'completed',
        arguments: '{"city":"Paris"}',
        call_id: 'call_A',
        name: 'get_weather',
      },
      {
        id: 'fc_chatcmpl-abc_1',
        type: 'function_call',
        status: 'completed',
        arguments: '{"city":"Oslo"}',
        call_id: 'call_B',
        name: 'get_weather',
      },
    ]);
    expect(whole['usage']).toEqual({
      input_tokens: 120,
      input_tokens_details: { cached_tokens: 100 },
      output_tokens: 40,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 160,
    });
    expect(whole).toMatchObject({ instructions: 'Be brief.', max_output_tokens: 500, tools: REQ['tools'] });
  });

  it('Anthropic stream → Chat → Responses, assembled, equals the chained non-stream conversion', () => {
    const events = anthropicToolStream();
    const anthropic = new AnthropicStreamAssembler();
    for (const [name, data] of events) anthropic.push(name, data);
    const chat = new AnthropicToOpenAIStream({ includeUsage: true, created: 5 });
    const t = new ChatToResponsesStream(REQ);
    const out: SseEvent[] = [];
    for (const [name, data] of events) for (const c of chat.push(name, data)) out.push(...t.push(c));
    for (const c of chat.finish()) out.push(...t.push(c));
    out.push(...t.finish());
    const whole = chatToResponsesResponse(anthropicToOpenAIResponse(anthropic.result(), { created: 5 }), REQ);
    // Anthropic streams argument JSON as typed ("{"city": "Pa…") while a whole message holds parsed
    // input, so the two agree on the arguments' value, not their spacing.
    expect(parsedArgs(assemble(out).result())).toEqual(parsedArgs(whole));
    // The argument-less call still parses.
    expect((whole['output'] as JsonObject[]).at(-1)).toMatchObject({ name: 'get_time', arguments: '{}' });
  });

  it('holds for any answer and any fragmentation', () => {
    const answer = fc.record({
      reasoning: fc.string(),
      text: fc.string(),
      tools: fc.array(
        fc.record({
          name: fc.stringMatching(/^[a-z_]{1,12}$/),
          input: fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string(), fc.integer()), {
            maxKeys: 3,
          }),
        }),
        { maxLength: 3 },
      ),
      cuts: fc.array(fc.nat(), { maxLength: 6 }),
      finish: fc.constantFrom('stop', 'length', 'tool_calls'),
      usage: fc.option(fc.record({ prompt_tokens: fc.nat(), completion_tokens: fc.nat() })),
    });
    fc.assert(
      fc.property(answer, (a) => {
        const head = { id: 'chatcmpl-p', object: 'chat.completion.chunk', created: 3, model: 'up' };
        const chunk = (delta: JsonObject, finish: string | null = null): JsonObject => ({
          ...head,
          choices: [{ index: 0, delta, finish_reason: finish }],
        });
        const chunks: JsonObject[] = [chunk({ role: 'assistant', content: '' })];
        for (const f of fragments(a.reasoning, a.cuts)) chunks.push(chunk({ reasoning_content: f }));
        for (const f of fragments(a.text, a.cuts)) chunks.push(chunk({ content: f }));
        a.tools.forEach((tool, index) => {
          const call = {
            index,
            id: `call_${index}`,
            type: 'function',
            function: { name: tool.name, arguments: '' },
          };
          chunks.push(chunk({ tool_calls: [call] }));
          for (const f of fragments(JSON.stringify(tool.input), a.cuts))
            chunks.push(chunk({ tool_calls: [{ index, function: { arguments: f } }] }));
        });
        chunks.push(chunk({}, a.finish));
        if (a.usage) chunks.push({ ...head, choices: [], usage: a.usage });
        const { streamed, whole } = viaChat(chunks);
        expect(streamed.done).toBe(true);
        expect(streamed.result()).toEqual(whole);
      }),
    );
  });
});

function parsedArgs(response: JsonObject): JsonObject {
  const output = (response['output'] as JsonObject[]).map((o) =>
    o['type'] === 'function_call' ? { ...o, arguments: JSON.parse(String(o['arguments'])) } : o,
  );
  return { ...response, output };
}

/** Cut a string at the given (reduced) positions; concatenating the pieces gives it back. */
function fragments(s: string, cuts: number[]): string[] {
  if (s === '') return [];
  const points = [...new Set(cuts.map((c) => c % s.length))].filter((p) => p > 0).sort((x, y) => x - y);
  const out: string[] = [];
  let prev = 0;
  for (const p of [...points, s.length]) {
    out.push(s.slice(prev, p));
    prev = p;
  }
  return out;
}
