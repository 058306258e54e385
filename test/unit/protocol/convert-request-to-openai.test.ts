import { describe, expect, it } from 'vitest';
import { anthropicToOpenAIRequest } from '../../../src/protocol/convert-request.js';
import { ProtocolError } from '../../../src/protocol/errors.js';
import type { JsonObject } from '../../../src/protocol/types.js';

function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw e;
  }
  throw new Error('expected a ProtocolError');
}

describe('anthropicToOpenAIRequest', () => {
  it('converts a full tool-using conversation', () => {
    const req: JsonObject = {
      model: 'claude-x',
      max_tokens: 512,
      system: [
        { type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Use tools.' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather here?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
            { type: 'image', source: { type: 'url', url: 'https://x.test/a.jpg' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 's' },
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'clock', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'Sunny' }] },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: 'no clock', is_error: true },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
      temperature: 0.3,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      stream: true,
      tools: [
        {
          name: 'weather',
          description: 'Get weather',
          input_schema: { type: 'object', properties: { city: {} } },
        },
        { name: 'clock', input_schema: { type: 'object' } },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      metadata: { user_id: 'u-1' },
      thinking: { type: 'enabled', budget_tokens: 1000 },
    };
    expect(anthropicToOpenAIRequest(req)).toEqual({
      model: 'claude-x',
      messages: [
        { role: 'system', content: 'You are terse.\n\nUse tools.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather here?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } },
            { type: 'image_url', image_url: { url: 'https://x.test/a.jpg' } },
          ],
        },
        {
          role: 'assistant',
          content: 'Let me check.',
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'clock', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'Sunny' },
        { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: no clock' },
        { role: 'user', content: 'Thanks' },
      ],
      max_tokens: 512,
      temperature: 0.3,
      top_p: 0.9,
      stop: ['END'],
      stream: true,
      stream_options: { include_usage: true },
      tools: [
        {
          type: 'function',
          function: {
            name: 'weather',
            description: 'Get weather',
            parameters: { type: 'object', properties: { city: {} } },
          },
        },
        { type: 'function', function: { name: 'clock', parameters: { type: 'object' } } },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      user: 'u-1',
    });
  });

  it('keeps a plain conversation simple', () => {
    expect(
      anthropicToOpenAIRequest({
        model: 'm',
        max_tokens: 10,
        system: 'Be kind.',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
          { role: 'user', content: [{ type: 'text', text: 'again' }] },
        ],
        stream: false,
      }),
    ).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'Be kind.' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: 'again' },
      ],
      max_tokens: 10,
      stream: false,
    });
  });

  it('keeps a mid-conversation system message in place as an OpenAI system message', () => {
    expect(
      anthropicToOpenAIRequest({
        model: 'm',
        max_tokens: 10,
        system: [{ type: 'text', text: 'Be kind.', cache_control: { type: 'ephemeral' } }],
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'system', content: 'Available agent types: claude' },
          { role: 'assistant', content: 'hello' },
          {
            role: 'system',
            content: [
              { type: 'text', text: 'one' },
              { type: 'text', text: 'two' },
            ],
          },
          { role: 'user', content: 'again' },
        ],
      }).messages,
    ).toEqual([
      { role: 'system', content: 'Be kind.' },
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'Available agent types: claude' },
      { role: 'assistant', content: 'hello' },
      { role: 'system', content: 'one\n\ntwo' },
      { role: 'user', content: 'again' },
    ]);
  });

  it('maps every tool_choice kind', () => {
    const conv = (tool_choice: JsonObject) =>
      anthropicToOpenAIRequest({ model: 'm', max_tokens: 1, messages: [], tool_choice })['tool_choice'];
    expect(conv({ type: 'auto' })).toBe('auto');
    expect(conv({ type: 'any' })).toBe('required');
    expect(conv({ type: 'none' })).toBe('none');
    expect(conv({ type: 'tool', name: 'weather' })).toEqual({
      type: 'function',
      function: { name: 'weather' },
    });
  });

  it('moves images out of tool results into the following user message', () => {
    const out = anthropicToOpenAIRequest({
      model: 'm',
      max_tokens: 1,
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 't1',
              content: [
                { type: 'text', text: 'screenshot attached' },
                { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAA' } },
              ],
            },
          ],
        },
      ],
    });
    expect(out['messages']).toEqual([
      { role: 'tool', tool_call_id: 't1', content: 'screenshot attached' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAA' } }] },
    ]);
  });

  it('drops an assistant turn that held only thinking', () => {
    const out = anthropicToOpenAIRequest({
      model: 'm',
      max_tokens: 1,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: [{ type: 'redacted_thinking', data: 'x' }] },
      ],
    });
    expect(out['messages']).toEqual([{ role: 'user', content: 'q' }]);
  });

  it('rejects what an OpenAI upstream cannot carry, naming the place', () => {
    const e = protocolError(() =>
      anthropicToOpenAIRequest({
        model: 'm',
        max_tokens: 1,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'a' },
              { type: 'container_upload', file_id: 'f' },
            ],
          },
        ],
      }),
    );
    expect([e.param, e.message]).toEqual([
      'messages[0].content[1].type',
      'messages[0].content[1].type: block "container_upload" cannot be sent to an OpenAI upstream',
    ]);
    const t = protocolError(() =>
      anthropicToOpenAIRequest({
        model: 'm',
        max_tokens: 1,
        messages: [],
        tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      }),
    );
    expect(t.param).toBe('tools[0]');
    expect(t.message).toBe(
      'tools[0]: server tool "web_search_20250305" cannot be used with an OpenAI upstream',
    );
  });
});
