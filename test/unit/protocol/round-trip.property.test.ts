import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnthropicStreamAssembler } from '../../../src/protocol/assemble-anthropic.js';
import { OpenAIChatStreamAssembler } from '../../../src/protocol/assemble-openai.js';
import {
  anthropicToOpenAIResponse,
  openAIToAnthropicResponse,
} from '../../../src/protocol/convert-response.js';
import { AnthropicToOpenAIStream, OpenAIToAnthropicStream } from '../../../src/protocol/convert-stream.js';
import type { JsonObject } from '../../../src/protocol/types.js';

/** Any answer: optional reasoning and text, up to three tool calls, each text cut into random fragments. */
const answer = fc.record({
  reasoning: fc.string(),
  text: fc.string(),
  tools: fc.array(
    fc.record({
      name: fc.stringMatching(/^[a-z_]{1,12}$/),
      input: fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string(), fc.integer(), fc.boolean()), {
        maxKeys: 3,
      }),
    }),
    { maxLength: 3 },
  ),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
  promptTokens: fc.nat({ max: 10_000 }),
  completionTokens: fc.nat({ max: 10_000 }),
});

/** Cut a string at the given (reduced) positions; concatenating the pieces gives it back. */
function fragments(s: string, cuts: number[]): string[] {
  if (s === '') return [];
  const points = [...new Set(cuts.map((c) => c % s.length))].filter((p) => p > 0).sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of [...points, s.length]) {
    out.push(s.slice(prev, p));
    prev = p;
  }
  return out;
}

describe('round trips hold for any answer and any fragmentation', () => {
  it('OpenAI → Anthropic stream', () => {
    fc.assert(
      fc.property(answer, (a) => {
        const head = { id: 'chatcmpl-p', object: 'chat.completion.chunk', created: 3, model: 'up' };
        const chunk = (delta: JsonObject, finish: string | null = null): JsonObject => ({
          ...head,
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        });
        const chunks: JsonObject[] = [chunk({ role: 'assistant', content: '' })];
        for (const f of fragments(a.reasoning, a.cuts)) chunks.push(chunk({ reasoning_content: f }));
        for (const f of fragments(a.text, a.cuts)) chunks.push(chunk({ content: f }));
        a.tools.forEach((t, index) => {
          chunks.push(
            chunk({
              tool_calls: [
                { index, id: `call_${index}`, type: 'function', function: { name: t.name, arguments: '' } },
              ],
            }),
          );
          for (const f of fragments(JSON.stringify(t.input), a.cuts)) {
            chunks.push(chunk({ tool_calls: [{ index, function: { arguments: f } }] }));
          }
        });
        chunks.push(chunk({}, a.tools.length > 0 ? 'tool_calls' : 'stop'));
        const usage = { prompt_tokens: a.promptTokens, completion_tokens: a.completionTokens };
        chunks.push({ ...head, choices: [], usage });

        const openai = new OpenAIChatStreamAssembler();
        for (const c of chunks) openai.push(c);
        const t = new OpenAIToAnthropicStream('client-model');
        const anthropic = new AnthropicStreamAssembler();
        for (const ev of [...chunks.flatMap((c) => t.push(c)), ...t.finish()]) {
          anthropic.push(ev.event ?? '', JSON.parse(ev.data) as JsonObject);
        }
        expect(anthropic.done).toBe(true);
        expect(anthropic.result()).toEqual(openAIToAnthropicResponse(openai.result(), 'client-model'));
      }),
    );
  });

  it('Anthropic → OpenAI stream', () => {
    fc.assert(
      fc.property(answer, (a) => {
        const events: Array<[string, JsonObject]> = [
          [
            'message_start',
            {
              type: 'message_start',
              message: {
                id: 'msg_p',
                type: 'message',
                role: 'assistant',
                model: 'claude-p',
                content: [],
                stop_reason: null,
                stop_sequence: null,
                usage: { input_tokens: a.promptTokens, output_tokens: 1 },
              },
            },
          ],
        ];
        let index = 0;
        const block = (start: JsonObject, deltas: JsonObject[]) => {
          events.push(['content_block_start', { type: 'content_block_start', index, content_block: start }]);
          for (const delta of deltas)
            events.push(['content_block_delta', { type: 'content_block_delta', index, delta }]);
          events.push(['content_block_stop', { type: 'content_block_stop', index }]);
          index += 1;
        };
        if (a.reasoning) {
          const deltas = fragments(a.reasoning, a.cuts).map((thinking) => ({
            type: 'thinking_delta',
            thinking,
          }));
          block({ type: 'thinking', thinking: '' }, [
            ...deltas,
            { type: 'signature_delta', signature: 'sig' },
          ]);
        }
        if (a.text)
          block(
            { type: 'text', text: '' },
            fragments(a.text, a.cuts).map((text) => ({ type: 'text_delta', text })),
          );
        a.tools.forEach((tool, i) => {
          const json = Object.keys(tool.input).length === 0 ? '' : JSON.stringify(tool.input);
          const deltas = fragments(json, a.cuts).map((partial_json) => ({
            type: 'input_json_delta',
            partial_json,
          }));
          block({ type: 'tool_use', id: `toolu_${i}`, name: tool.name, input: {} }, deltas);
        });
        const stop_reason = a.tools.length > 0 ? 'tool_use' : 'end_turn';
        events.push([
          'message_delta',
          {
            type: 'message_delta',
            delta: { stop_reason, stop_sequence: null },
            usage: { output_tokens: a.completionTokens },
          },
        ]);
        events.push(['message_stop', { type: 'message_stop' }]);

        const anthropic = new AnthropicStreamAssembler();
        for (const [name, data] of events) anthropic.push(name, data);
        const t = new AnthropicToOpenAIStream({ includeUsage: true, created: 8 });
        const openai = new OpenAIChatStreamAssembler();
        for (const c of [...events.flatMap(([name, data]) => t.push(name, data)), ...t.finish()])
          openai.push(c);
        expect(openai.result()).toEqual(anthropicToOpenAIResponse(anthropic.result(), { created: 8 }));
      }),
    );
  });
});
