import type { JsonObject } from '../../../src/protocol/types.js';

/** Realistic wire sequences shared by the assembler, translator and round-trip tests. */

const head = {
  id: 'chatcmpl-abc',
  object: 'chat.completion.chunk',
  created: 1730000000,
  model: 'gpt-4o-2024-08-06',
};

function chunk(delta: JsonObject, finish: string | null = null, extra: JsonObject = {}): JsonObject {
  return {
    ...head,
    system_fingerprint: 'fp_1',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    usage: null,
    ...extra,
  };
}

/** Reasoning, text, then two parallel tool calls, then the include_usage chunk (as OpenAI sends them). */
export function openAIToolStream(): JsonObject[] {
  return [
    chunk({ role: 'assistant', content: '', refusal: null }),
    chunk({ reasoning_content: 'Need weather ' }),
    chunk({ reasoning_content: 'for two cities.' }),
    chunk({ content: 'Checking ' }),
    chunk({ content: 'both.' }),
    chunk({
      tool_calls: [
        { index: 0, id: 'call_A', type: 'function', function: { name: 'get_weather', arguments: '' } },
      ],
    }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
    chunk({
      tool_calls: [
        { index: 1, id: 'call_B', type: 'function', function: { name: 'get_weather', arguments: '' } },
      ],
    }),
    chunk({ tool_calls: [{ index: 1, function: { arguments: '{"city":"Oslo"' } }] }),
    chunk({ tool_calls: [{ index: 1, function: { arguments: '}' } }] }),
    chunk({}, 'tool_calls'),
    {
      ...head,
      system_fingerprint: 'fp_1',
      choices: [],
      usage: {
        prompt_tokens: 120,
        completion_tokens: 40,
        total_tokens: 160,
        prompt_tokens_details: { cached_tokens: 100 },
      },
    },
  ];
}

export type AnthropicWireEvent = [string, JsonObject];

/** Thinking, text, two tool_use blocks (one argument-less), message_delta with cumulative usage. */
export function anthropicToolStream(): AnthropicWireEvent[] {
  return [
    [
      'message_start',
      {
        type: 'message_start',
        message: {
          id: 'msg_01XYZ',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-5',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: 50,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 200,
            output_tokens: 1,
          },
        },
      },
    ],
    [
      'content_block_start',
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
    ],
    ['ping', { type: 'ping' }],
    [
      'content_block_delta',
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Two ' } },
    ],
    [
      'content_block_delta',
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'lookups.' } },
    ],
    [
      'content_block_delta',
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig==' } },
    ],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    [
      'content_block_start',
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
    ],
    [
      'content_block_delta',
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'On ' } },
    ],
    [
      'content_block_delta',
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'it.' } },
    ],
    ['content_block_stop', { type: 'content_block_stop', index: 1 }],
    [
      'content_block_start',
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} },
      },
    ],
    [
      'content_block_delta',
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '' } },
    ],
    [
      'content_block_delta',
      {
        type: 'content_block_delta',
        index: 2,
        delta: { type: 'input_json_delta', partial_json: '{"city": "Pa' },
      },
    ],
    [
      'content_block_delta',
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: 'ris"}' } },
    ],
    ['content_block_stop', { type: 'content_block_stop', index: 2 }],
    [
      'content_block_start',
      {
        type: 'content_block_start',
        index: 3,
        content_block: { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
      },
    ],
    ['content_block_stop', { type: 'content_block_stop', index: 3 }],
    [
      'message_delta',
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 87 },
      },
    ],
    ['message_stop', { type: 'message_stop' }],
  ];
}
