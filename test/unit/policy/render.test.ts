import { beforeAll, describe, expect, it } from 'vitest';
import { renderChatRequest } from '../../../src/learning/policy/render.js';
import type { PolicyTokenizer } from '../../../src/learning/policy/tokenizer.js';
import { ProtocolError } from '../../../src/protocol/errors.js';
import { loadFixtureTokenizer } from '../../fixtures/policy/index.js';

let tok: PolicyTokenizer;
beforeAll(async () => {
  tok = await loadFixtureTokenizer();
});

const toolConversation = {
  model: 'policy',
  messages: [
    { role: 'user', content: 'weather in Paris?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
  ],
};

describe('rendering a Chat request with the model chat template', () => {
  it('produces the exact prompt ids for a tool call and its result', () => {
    const r = renderChatRequest(tok, toolConversation);
    expect(r.text).toBe(
      '<|im_start|>user\nweather in Paris?<|im_end|>\n' +
        '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\n<tool_response>\nsunny\n</tool_response><|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
    // Special and marker tokens are single ids (304 <|im_start|>, 305 <|im_end|>, 306/307 tool_call,
    // 308/309 tool_response); words merged by the fixture's BPE (258 user, 266 assistant, 291 name,
    // 299 arguments, 302 city) are single ids too; everything else is one id per byte.
    expect(r.tokens).toEqual([
      304, 258, 10, 119, 101, 97, 116, 104, 101, 114, 287, 110, 283, 63, 305, 10, 304, 266, 10, 306, 10, 123,
      34, 291, 34, 58, 32, 34, 103, 101, 116, 95, 119, 101, 97, 116, 104, 101, 114, 34, 44, 32, 34, 299, 34,
      58, 32, 123, 34, 302, 34, 58, 32, 34, 80, 292, 105, 115, 34, 125, 125, 10, 307, 305, 10, 304, 258, 10,
      308, 10, 115, 117, 110, 110, 121, 10, 309, 305, 10, 304, 266, 10,
    ]);
    expect(tok.decode(r.tokens)).toBe(r.text);
  });

  it('passes tools to the template as JSON-schema functions', () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather now',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const r = renderChatRequest(tok, { ...toolConversation, tools });
    expect(r.text.startsWith('<|im_start|>system\n# Tools\n')).toBe(true);
    expect(r.text).toContain(
      `<tools>\n${JSON.stringify(tools[0]).replaceAll(':', ': ').replaceAll(',', ', ')}\n</tools>`,
    );
    expect(r.text.endsWith('<|im_start|>assistant\n')).toBe(true);
    expect(r.tokens).toEqual(tok.encode(r.text));
  });

  it('renders prior reasoning after the last user query, text parts, developer messages and template kwargs', () => {
    const r = renderChatRequest(tok, {
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi' },
            { type: 'text', text: 'there' },
          ],
        },
        { role: 'assistant', content: 'Hello', reasoning_content: 'greet back' },
        { role: 'user', content: 'again' },
      ],
      chat_template_kwargs: { enable_thinking: false },
    });
    expect(r.text).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhi\nthere<|im_end|>\n' +
        '<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\nagain<|im_end|>\n' +
        '<|im_start|>assistant\n<think>\n\n</think>\n\n',
    );
  });

  it('rejects what a text-only policy cannot see, naming the field', () => {
    const body = {
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:,' } }] }],
    };
    expect(() => renderChatRequest(tok, body)).toThrow(ProtocolError);
    expect(() => renderChatRequest(tok, body)).toThrow(/messages\[0\]\.content\[0\]\.type/);
  });
});
