import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/protocol/errors.js';
import { responsesToChatRequest } from '../../../src/protocol/responses/request-to-chat.js';
import type { JsonObject } from '../../../src/protocol/types.js';

function refusal(req: JsonObject): ProtocolError {
  try {
    responsesToChatRequest(req);
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

describe('responsesToChatRequest', () => {
  it('turns instructions and a string input into system + user messages, with sampling settings', () => {
    expect(
      responsesToChatRequest({
        model: 'm',
        instructions: 'Be brief.',
        input: 'Hello',
        max_output_tokens: 64,
        temperature: 0.3,
        top_p: 0.9,
        stream: true,
        store: false,
        include: ['reasoning.encrypted_content'],
        user: 'u1',
      }),
    ).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
      max_tokens: 64,
      temperature: 0.3,
      top_p: 0.9,
      stream: true,
      stream_options: { include_usage: true },
      user: 'u1',
    });
  });

  it('folds a Codex-style history: reasoning and calls join one assistant message, outputs become tool messages', () => {
    const out = responsesToChatRequest({
      model: 'm',
      input: [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'sandbox: none' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'List files' }] },
        {
          type: 'reasoning',
          id: 'rs_1',
          summary: [{ type: 'summary_text', text: 'Use ls.' }],
          encrypted_content: 'opaque',
        },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Running ls.' }] },
        { type: 'function_call', call_id: 'c1', name: 'shell', arguments: '{"cmd":"ls"}' },
        { type: 'function_call', call_id: 'c2', name: 'shell', arguments: '{"cmd":"pwd"}' },
        { type: 'function_call_output', call_id: 'c1', output: 'a.txt' },
        {
          type: 'function_call_output',
          call_id: 'c2',
          output: [
            { type: 'input_text', text: '/work' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAA' },
          ],
        },
        { type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'Done.' }] },
        { role: 'assistant', content: 'Found a.txt in /work.' },
        { role: 'user', content: 'thanks' },
      ],
    });
    expect(out['messages']).toEqual([
      { role: 'system', content: 'sandbox: none' },
      { role: 'user', content: 'List files' },
      {
        role: 'assistant',
        content: 'Running ls.',
        reasoning_content: 'Use ls.',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'shell', arguments: '{"cmd":"ls"}' } },
          { id: 'c2', type: 'function', function: { name: 'shell', arguments: '{"cmd":"pwd"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'a.txt' },
      { role: 'tool', tool_call_id: 'c2', content: '/work' },
      // Chat tool messages carry text only: the image follows all tool results as a user message.
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' } }] },
      { role: 'assistant', content: 'Found a.txt in /work.', reasoning_content: 'Done.' },
      { role: 'user', content: 'thanks' },
    ]);
  });

  it('converts user content parts: text, images with detail, files', () => {
    const out = responsesToChatRequest({
      model: 'm',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is this?' },
            { type: 'input_image', image_url: 'https://x/y.png', detail: 'low' },
            { type: 'input_file', file_data: 'data:application/pdf;base64,JVB', filename: 'a.pdf' },
          ],
        },
      ],
    });
    expect((out['messages'] as JsonObject[])[0]!['content']).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } },
      { type: 'file', file: { file_data: 'data:application/pdf;base64,JVB', filename: 'a.pdf' } },
    ]);
  });

  it('nests flat function tools under `function` and maps tool_choice, formats and effort', () => {
    const out = responsesToChatRequest({
      model: 'm',
      input: 'x',
      tools: [
        { type: 'function', name: 'f', description: 'does f', parameters: { type: 'object' }, strict: true },
        { type: 'function', name: 'g' },
      ],
      tool_choice: { type: 'function', name: 'f' },
      parallel_tool_calls: false,
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
      reasoning: { effort: 'high', summary: 'auto' },
    });
    expect(out['tools']).toEqual([
      {
        type: 'function',
        function: { name: 'f', description: 'does f', parameters: { type: 'object' }, strict: true },
      },
      { type: 'function', function: { name: 'g', parameters: { type: 'object', properties: {} } } },
    ]);
    expect(out['tool_choice']).toEqual({ type: 'function', function: { name: 'f' } });
    expect(out['parallel_tool_calls']).toBe(false);
    expect(out['response_format']).toEqual({
      type: 'json_schema',
      json_schema: { name: 'out', schema: { type: 'object' }, strict: true },
    });
    expect(out['reasoning_effort']).toBe('high');
    const tools = [{ type: 'function', name: 'f' }];
    for (const choice of ['auto', 'none', 'required'])
      expect(
        responsesToChatRequest({ model: 'm', input: 'x', tools, tool_choice: choice })['tool_choice'],
      ).toBe(choice);
    // Chat refuses tool_choice (but "none") and parallel_tool_calls without tools.
    expect(responsesToChatRequest({ model: 'm', input: 'x', tool_choice: 'auto' })).not.toHaveProperty(
      'tool_choice',
    );
    expect(responsesToChatRequest({ model: 'm', input: 'x', parallel_tool_calls: true })).not.toHaveProperty(
      'parallel_tool_calls',
    );
  });

  it.each([
    [{ previous_response_id: 'resp_1' }, 'previous_response_id', /no stored response/],
    [{ tool_choice: { type: 'apply_patch' } }, 'tool_choice', /cannot be translated/],
    [{ input: [{ type: 'item_reference', id: 'x' }] }, 'input[0].type', /item "item_reference"/],
    [
      { input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }] },
      'input[0].content[0].image_url',
      /not file_id/,
    ],
    [
      { input: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] },
      'input[0].content[0].type',
      /input_audio/,
    ],
    [{ input: undefined }, 'input', /is required/],
    [{ text: { format: { type: 'grammar' } } }, 'text.format.type', /grammar/],
  ])('refuses what Chat cannot carry: %j → %s', (patch, param, message) => {
    const e = refusal({ model: 'm', input: 'x', ...patch });
    expect(e.param).toBe(param);
    expect(e.message).toMatch(message);
    expect(e.status).toBe(400);
  });
});
