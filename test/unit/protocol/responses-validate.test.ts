import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/protocol/errors.js';
import { validateResponsesRequest } from '../../../src/protocol/responses/validate.js';

function failure(body: unknown): ProtocolError {
  try {
    validateResponsesRequest(body);
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error('expected a validation error');
}

describe('validateResponsesRequest', () => {
  it('returns the very object it was given, unknown fields and item types included', () => {
    const body = {
      model: 'gpt-5-codex',
      instructions: 'You are Codex.',
      input: [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'sandbox: none' }] },
        { role: 'user', content: 'hi' },
        { type: 'reasoning', summary: [], encrypted_content: 'xyz' },
        { type: 'function_call', call_id: 'c1', name: 'shell', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'ok' },
        { type: 'local_shell_call', call_id: 'c2', action: {} },
      ],
      tools: [{ type: 'function', name: 'shell', parameters: { type: 'object' }, strict: false }],
      tool_choice: 'auto',
      stream: true,
      store: false,
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: 'abc',
    };
    expect(validateResponsesRequest(body)).toBe(body);
    expect(validateResponsesRequest({ model: 'm', input: 'just text' })).toBeTruthy();
  });

  it.each([
    [{ input: 'x' }, 'model', /is required/],
    [{ model: 'm', input: 5 }, 'input', /a string or an array of items/],
    [{ model: 'm', input: [{ role: 'robot', content: 'x' }] }, 'input[0].role', /unknown role "robot"/],
    [{ model: 'm', input: [{ type: 'message', role: 'user' }] }, 'input[0].content', /is required/],
    [{ model: 'm', input: ['hi', { type: 'function_call_output', output: 'x' }] }, 'input[0]', /an object/],
    [
      {
        model: 'm',
        input: [
          { role: 'user', content: 'a' },
          { type: 'function_call_output', output: 'x' },
        ],
      },
      'input[1].call_id',
      /is required/,
    ],
    [
      { model: 'm', input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: { a: 1 } }] },
      'input[0].arguments',
      /must be a string, got an object/,
    ],
    [
      { model: 'm', input: [{ role: 'user', content: [{ text: 'no type' }] }] },
      'input[0].content[0].type',
      /is required/,
    ],
    [{ model: 'm', input: 'x', tools: [{ type: 'function' }] }, 'tools[0].name', /is required/],
    [{ model: 'm', input: 'x', tools: [{ name: 'f' }] }, 'tools[0].type', /is required/],
    [{ model: 'm', input: 'x', max_output_tokens: 0 }, 'max_output_tokens', /positive integer/],
    [{ model: 'm', input: 'x', stream: 'yes' }, 'stream', /a boolean/],
    [{ model: 'm', input: 'x', instructions: 7 }, 'instructions', /a string/],
  ])('names the field: %j → %s', (body, param, message) => {
    const e = failure(body);
    expect(e.param).toBe(param);
    expect(e.message.startsWith(`${param}: `)).toBe(true);
    expect(e.message).toMatch(message);
    expect(e.status).toBe(400);
  });

  it('says when the body is not an object at all', () => {
    expect(failure([1, 2]).message).toMatch(/request body must be a JSON object/);
  });
});
