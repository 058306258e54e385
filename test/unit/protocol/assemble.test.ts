import { describe, expect, it } from 'vitest';
import { AnthropicStreamAssembler } from '../../../src/protocol/assemble-anthropic.js';
import { OpenAIChatStreamAssembler } from '../../../src/protocol/assemble-openai.js';
import type { JsonObject } from '../../../src/protocol/types.js';
import { anthropicToolStream, openAIToolStream } from './streams.fixture.js';

function assembleOpenAI(chunks: JsonObject[]): OpenAIChatStreamAssembler {
  const a = new OpenAIChatStreamAssembler();
  for (const c of chunks) a.push(c);
  return a;
}

describe('OpenAIChatStreamAssembler', () => {
  it('rebuilds a chat.completion with reasoning, text, parallel tool calls and usage', () => {
    expect(assembleOpenAI(openAIToolStream()).result()).toEqual({
      id: 'chatcmpl-abc',
      object: 'chat.completion',
      created: 1730000000,
      model: 'gpt-4o-2024-08-06',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Checking both.',
            reasoning_content: 'Need weather for two cities.',
            refusal: null,
            tool_calls: [
              {
                id: 'call_A',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
              {
                id: 'call_B',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
              },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 120,
        completion_tokens: 40,
        total_tokens: 160,
        prompt_tokens_details: { cached_tokens: 100 },
      },
      system_fingerprint: 'fp_1',
    });
  });

  it('assembles interleaved tool-call fragments by index', () => {
    const c = (tool_calls: JsonObject[], finish: string | null = null) => ({
      id: 'x',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta: { tool_calls }, finish_reason: finish }],
    });
    const a = assembleOpenAI([
      c([
        { index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '{"y"' } },
        { index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '{"x"' } },
      ]),
      c([{ index: 0, function: { arguments: ':1}' } }]),
      c([{ index: 1, function: { arguments: ':2}' } }], 'tool_calls'),
    ]);
    const msg = (a.result()['choices'] as JsonObject[])[0]?.['message'];
    expect(msg).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
        { id: 'b', type: 'function', function: { name: 'g', arguments: '{"y":2}' } },
      ],
    });
  });

  it('keeps n>1 choices apart, ordered by index, with logprobs concatenated', () => {
    const c = (index: number, delta: JsonObject, finish: string | null = null, logprobs: unknown = null) => ({
      id: 'x',
      created: 5,
      model: 'm',
      choices: [{ index, delta, logprobs, finish_reason: finish }],
    });
    const tok = (t: string) => ({ token: t, logprob: -0.1, bytes: null, top_logprobs: [] });
    const a = assembleOpenAI([
      c(1, { role: 'assistant', content: 'B' }, null, { content: [tok('B')], refusal: null }),
      c(0, { role: 'assistant', content: 'A' }, null, { content: [tok('A')], refusal: null }),
      c(0, { content: 'a' }, 'stop', { content: [tok('a')], refusal: null }),
      c(1, { content: 'b' }, 'length', { content: [tok('b')], refusal: null }),
    ]);
    expect(a.result()).toEqual({
      id: 'x',
      object: 'chat.completion',
      created: 5,
      model: 'm',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Aa' },
          logprobs: { content: [tok('A'), tok('a')], refusal: null },
          finish_reason: 'stop',
        },
        {
          index: 1,
          message: { role: 'assistant', content: 'Bb' },
          logprobs: { content: [tok('B'), tok('b')], refusal: null },
          finish_reason: 'length',
        },
      ],
    });
  });

  it('collects a refusal and reports content as null', () => {
    const c = (delta: JsonObject, finish: string | null = null) => ({
      id: 'r',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const a = assembleOpenAI([
      c({ role: 'assistant', content: null, refusal: '' }),
      c({ refusal: "I can't " }),
      c({ refusal: 'help.' }, 'stop'),
    ]);
    expect(a.sawContent).toBe(true);
    expect((a.result()['choices'] as JsonObject[])[0]?.['message']).toEqual({
      role: 'assistant',
      content: null,
      refusal: "I can't help.",
    });
  });

  it('sawContent stays false for role-only and empty chunks', () => {
    const a = new OpenAIChatStreamAssembler();
    a.push({ id: 'x', choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] });
    expect(a.sawContent).toBe(false);
    a.push({
      id: 'x',
      choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c', function: { name: 'f' } }] } }],
    });
    expect(a.sawContent).toBe(true);
  });

  it('keeps the reasoning field name the backend used', () => {
    const a = assembleOpenAI([
      { id: 'x', created: 1, model: 'm', choices: [{ index: 0, delta: { reasoning: 'think' } }] },
      {
        id: 'x',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: 'stop' }],
      },
    ]);
    expect((a.result()['choices'] as JsonObject[])[0]?.['message']).toEqual({
      role: 'assistant',
      content: 'ok',
      reasoning: 'think',
    });
  });

  it('returns an empty completion when nothing arrived', () => {
    expect(new OpenAIChatStreamAssembler().result()).toEqual({
      id: '',
      object: 'chat.completion',
      created: 0,
      model: '',
      choices: [],
    });
  });
});

describe('AnthropicStreamAssembler', () => {
  it('rebuilds the Message exactly as the non-streaming API returns it', () => {
    const a = new AnthropicStreamAssembler();
    for (const [name, data] of anthropicToolStream()) a.push(name, data);
    expect(a.done).toBe(true);
    expect(a.error).toBeNull();
    const result = a.result();
    expect(result).toEqual({
      id: 'msg_01XYZ',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', thinking: 'Two lookups.', signature: 'sig==' },
        { type: 'text', text: 'On it.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 50,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 200,
        output_tokens: 87,
      },
    });
    expect(Object.keys(result)).toEqual([
      'id',
      'type',
      'role',
      'model',
      'content',
      'stop_reason',
      'stop_sequence',
      'usage',
    ]);
  });

  it('overwrites usage with cumulative message_delta counters and ignores nulls', () => {
    const a = new AnthropicStreamAssembler();
    a.push('message_start', {
      message: { id: 'm', content: [], usage: { input_tokens: 0, output_tokens: 1 } },
    });
    a.push('message_delta', {
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 12, output_tokens: 30, cache_read_input_tokens: null },
    });
    expect(a.result()['usage']).toEqual({ input_tokens: 12, output_tokens: 30 });
    expect(a.done).toBe(false);
  });

  it('keeps redacted thinking and citations, and records an error event', () => {
    const a = new AnthropicStreamAssembler();
    a.push('message_start', { message: { id: 'm', content: [], usage: {} } });
    a.push('content_block_start', { index: 0, content_block: { type: 'redacted_thinking', data: 'opaque' } });
    a.push('content_block_stop', { index: 0 });
    a.push('content_block_start', { index: 1, content_block: { type: 'text', text: '', citations: null } });
    a.push('content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'Fact.' } });
    const citation = {
      type: 'char_location',
      cited_text: 'x',
      document_index: 0,
      start_char_index: 0,
      end_char_index: 1,
    };
    a.push('content_block_delta', { index: 1, delta: { type: 'citations_delta', citation } });
    a.push('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(a.error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(a.done).toBe(false);
    expect(a.result()['content']).toEqual([
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'text', text: 'Fact.', citations: [citation] },
    ]);
  });

  it('parses tool input even when the stream stopped before content_block_stop', () => {
    const a = new AnthropicStreamAssembler();
    a.push('message_start', { message: { id: 'm', content: [], usage: {} } });
    a.push('content_block_start', {
      index: 0,
      content_block: { type: 'tool_use', id: 't', name: 'f', input: {} },
    });
    a.push('content_block_delta', {
      index: 0,
      delta: { type: 'input_json_delta', partial_json: '{"a":[1,' },
    });
    a.push('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '2]}' } });
    expect(a.result()['content']).toEqual([{ type: 'tool_use', id: 't', name: 'f', input: { a: [1, 2] } }]);
  });

  it('turns truncated tool JSON into an empty input', () => {
    const a = new AnthropicStreamAssembler();
    a.push('message_start', { message: { id: 'm', content: [], usage: {} } });
    a.push('content_block_start', {
      index: 0,
      content_block: { type: 'tool_use', id: 't', name: 'f', input: {} },
    });
    a.push('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } });
    a.push('content_block_stop', { index: 0 });
    expect(a.result()['content']).toEqual([{ type: 'tool_use', id: 't', name: 'f', input: {} }]);
  });

  it('does not let result() mutate what later pushes build on', () => {
    const a = new AnthropicStreamAssembler();
    a.push('message_start', { message: { id: 'm', content: [], usage: {} } });
    a.push('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    a.push('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'a' } });
    const first = a.result();
    a.push('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'b' } });
    expect(first['content']).toEqual([{ type: 'text', text: 'a' }]);
    expect(a.result()['content']).toEqual([{ type: 'text', text: 'ab' }]);
  });
});
