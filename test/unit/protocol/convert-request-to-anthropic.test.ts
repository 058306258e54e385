import { describe, expect, it } from 'vitest';
import { openAIToAnthropicRequest } from '../../../src/protocol/convert-request.js';
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

describe('openAIToAnthropicRequest', () => {
  const opts = { defaultMaxTokens: 4096 };

  it('converts a full tool-using conversation', () => {
    const req: JsonObject = {
      model: 'gpt-x',
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use tools.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://x.test/a.jpg' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'clock', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '12:00' }] },
        { role: 'user', content: 'Thanks' },
        { role: 'user', content: 'Bye' },
      ],
      max_completion_tokens: 300,
      max_tokens: 100,
      stop: 'END',
      temperature: 1.7,
      top_p: 0.5,
      stream: true,
      stream_options: { include_usage: true },
      tools: [
        {
          type: 'function',
          function: { name: 'weather', description: 'Get weather', parameters: { type: 'object' } },
        },
        { type: 'function', function: { name: 'clock' } },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      user: 'u-9',
    };
    expect(openAIToAnthropicRequest(req, opts)).toEqual({
      model: 'gpt-x',
      max_tokens: 300,
      system: 'Be terse.\n\nUse tools.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
            { type: 'image', source: { type: 'url', url: 'https://x.test/a.jpg' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_2', name: 'clock', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: 'Sunny' },
            { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '12:00' }] },
            { type: 'text', text: 'Thanks' },
            { type: 'text', text: 'Bye' },
          ],
        },
      ],
      stop_sequences: ['END'],
      temperature: 1,
      top_p: 0.5,
      stream: true,
      tools: [
        { name: 'weather', description: 'Get weather', input_schema: { type: 'object' } },
        { name: 'clock', input_schema: { type: 'object', properties: {} } },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      metadata: { user_id: 'u-9' },
    });
  });

  it('uses the default max_tokens and keeps simple strings', () => {
    expect(
      openAIToAnthropicRequest(
        {
          model: 'm',
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: 'hello' },
            { role: 'user', content: 'more' },
          ],
          stop: ['a', 'b'],
          temperature: -1,
        },
        opts,
      ),
    ).toEqual({
      model: 'm',
      max_tokens: 4096,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: 'more' },
      ],
      stop_sequences: ['a', 'b'],
      temperature: 0,
    });
  });

  it('falls back to max_tokens when max_completion_tokens is absent', () => {
    const out = openAIToAnthropicRequest(
      { model: 'm', max_tokens: 77, messages: [{ role: 'user', content: 'x' }] },
      opts,
    );
    expect(out['max_tokens']).toBe(77);
  });

  it('merges consecutive assistant turns and drops empty ones', () => {
    const out = openAIToAnthropicRequest(
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: 'part one' },
          { role: 'assistant', content: '' },
          { role: 'assistant', content: [{ type: 'refusal', refusal: 'no' }] },
        ],
      },
      opts,
    );
    expect(out['messages']).toEqual([
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'part one' },
          { type: 'text', text: 'no' },
        ],
      },
    ]);
  });

  it('maps tool_choice variants', () => {
    const conv = (tool_choice: unknown, extra: JsonObject = {}) =>
      openAIToAnthropicRequest(
        {
          model: 'm',
          messages: [{ role: 'user', content: 'x' }],
          tools: [{ type: 'function', function: { name: 'f' } }],
          tool_choice,
          ...extra,
        },
        opts,
      )['tool_choice'];
    expect(conv('auto')).toEqual({ type: 'auto' });
    expect(conv('none')).toEqual({ type: 'none' });
    expect(conv({ type: 'function', function: { name: 'f' } })).toEqual({ type: 'tool', name: 'f' });
    expect(conv(undefined)).toBeUndefined();
    expect(conv(undefined, { parallel_tool_calls: false })).toEqual({
      type: 'auto',
      disable_parallel_tool_use: true,
    });
  });

  it('converts inline PDF files to document blocks', () => {
    const out = openAIToAnthropicRequest(
      {
        model: 'm',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBE' } },
            ],
          },
        ],
      },
      opts,
    );
    expect(out['messages']).toEqual([
      {
        role: 'user',
        content: [
          {
            type: 'document',
            source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' },
            title: 'a.pdf',
          },
        ],
      },
    ]);
  });

  it('refuses n > 1 with param n', () => {
    const e = protocolError(() =>
      openAIToAnthropicRequest({ model: 'm', n: 2, messages: [{ role: 'user', content: 'x' }] }, opts),
    );
    expect([e.status, e.param, e.message]).toEqual([
      400,
      'n',
      'n: an Anthropic upstream returns a single choice; n must be 1',
    ]);
    expect(
      openAIToAnthropicRequest({ model: 'm', n: 1, messages: [{ role: 'user', content: 'x' }] }, opts),
    ).not.toHaveProperty('n');
  });

  it('names the message whose tool arguments are not JSON', () => {
    const e = protocolError(() =>
      openAIToAnthropicRequest(
        {
          model: 'm',
          messages: [
            { role: 'user', content: 'x' },
            {
              role: 'assistant',
              tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":' } }],
            },
          ],
        },
        opts,
      ),
    );
    expect(e.param).toBe('messages[1].tool_calls[0].function.arguments');
    expect(e.message).toBe('messages[1].tool_calls[0].function.arguments: not a JSON object');
  });

  it('rejects unsupported images, parts and roles', () => {
    const user = (content: unknown) => ({ model: 'm', messages: [{ role: 'user', content }] });
    expect(
      protocolError(() =>
        openAIToAnthropicRequest(
          user([{ type: 'image_url', image_url: { url: 'file:///etc/x.png' } }]),
          opts,
        ),
      ).param,
    ).toBe('messages[0].content[0].image_url.url');
    expect(
      protocolError(() => openAIToAnthropicRequest(user([{ type: 'input_audio', input_audio: {} }]), opts))
        .param,
    ).toBe('messages[0].content[0].type');
    expect(
      protocolError(() =>
        openAIToAnthropicRequest(
          { model: 'm', messages: [{ role: 'function', name: 'f', content: 'x' }] },
          opts,
        ),
      ).param,
    ).toBe('messages[0].role');
  });
});
