import { describe, expect, it } from 'vitest';
import {
  anthropicToOpenAIResponse,
  openAIToAnthropicResponse,
} from '../../../src/protocol/convert-response.js';
import type { JsonObject } from '../../../src/protocol/types.js';

function openAICompletion(message: JsonObject, finish: string | null, usage?: JsonObject): JsonObject {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'upstream-model',
    choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  };
}

describe('openAIToAnthropicResponse', () => {
  it('converts reasoning, text and tool calls with usage', () => {
    const resp = openAICompletion(
      {
        role: 'assistant',
        content: 'Checking.',
        reasoning_content: 'think first',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'clock', arguments: '' } },
        ],
      },
      'tool_calls',
      { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 },
    );
    expect(openAIToAnthropicResponse(resp, 'claude-requested')).toEqual({
      id: 'msg_chatcmpl-1',
      type: 'message',
      role: 'assistant',
      model: 'claude-requested',
      content: [
        { type: 'thinking', thinking: 'think first', signature: '' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_2', name: 'clock', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 30, output_tokens: 12 },
    });
  });

  it('maps every finish_reason', () => {
    const stop = (finish: string | null) =>
      openAIToAnthropicResponse(openAICompletion({ role: 'assistant', content: 'x' }, finish), 'm')[
        'stop_reason'
      ];
    expect([stop('stop'), stop('length'), stop('tool_calls'), stop('content_filter'), stop(null)]).toEqual([
      'end_turn',
      'max_tokens',
      'tool_use',
      'refusal',
      'end_turn',
    ]);
  });

  it('uses the refusal as text, and splits cached prompt tokens out of input_tokens', () => {
    const out = openAIToAnthropicResponse(
      openAICompletion({ role: 'assistant', content: null, refusal: 'I cannot.' }, 'stop', {
        prompt_tokens: 1000,
        completion_tokens: 5,
        total_tokens: 1005,
        prompt_tokens_details: { cached_tokens: 900 },
      }),
      'm',
    );
    expect(out['content']).toEqual([{ type: 'text', text: 'I cannot.' }]);
    expect(out['usage']).toEqual({ input_tokens: 100, output_tokens: 5, cache_read_input_tokens: 900 });
  });

  it('gives an empty content list and zero usage for an empty answer', () => {
    const out = openAIToAnthropicResponse(openAICompletion({ role: 'assistant', content: '' }, 'stop'), 'm');
    expect([out['content'], out['usage']]).toEqual([[], { input_tokens: 0, output_tokens: 0 }]);
  });
});

describe('anthropicToOpenAIResponse', () => {
  const message: JsonObject = {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-x',
    content: [
      { type: 'thinking', thinking: 'plan', signature: 'sig' },
      { type: 'redacted_thinking', data: 'zzz' },
      { type: 'text', text: 'Hello ' },
      { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
      { type: 'text', text: 'world' },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: {
      input_tokens: 10,
      cache_creation_input_tokens: 5,
      cache_read_input_tokens: 100,
      output_tokens: 7,
    },
  };

  it('converts blocks, stop reason and usage', () => {
    expect(anthropicToOpenAIResponse(message, { created: 1234 })).toEqual({
      id: 'msg_1',
      object: 'chat.completion',
      created: 1234,
      model: 'claude-x',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Hello world',
            reasoning_content: 'plan',
            tool_calls: [
              {
                id: 'toolu_1',
                type: 'function',
                function: { name: 'weather', arguments: '{"city":"Oslo"}' },
              },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 115,
        completion_tokens: 7,
        total_tokens: 122,
        prompt_tokens_details: { cached_tokens: 100 },
      },
    });
  });

  it('maps every stop_reason and uses null content when there is no text', () => {
    const finish = (stop_reason: string | null) =>
      (
        anthropicToOpenAIResponse({ ...message, stop_reason }, { created: 1 })['choices'] as JsonObject[]
      )[0]?.['finish_reason'];
    expect(
      ['end_turn', 'stop_sequence', 'max_tokens', 'tool_use', 'refusal', 'pause_turn', null].map(finish),
    ).toEqual(['stop', 'stop', 'length', 'tool_calls', 'content_filter', 'stop', 'stop']);
    const out = anthropicToOpenAIResponse({ ...message, content: [], usage: undefined }, { created: 1 });
    expect((out['choices'] as JsonObject[])[0]?.['message']).toEqual({ role: 'assistant', content: null });
    expect(out).not.toHaveProperty('usage');
  });

  it('stamps the current time when no created is given', () => {
    const before = Math.floor(Date.now() / 1000);
    const created = anthropicToOpenAIResponse(message)['created'] as number;
    expect(created).toBeGreaterThanOrEqual(before);
    expect(created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });
});
