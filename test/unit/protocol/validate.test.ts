import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/protocol/errors.js';
import {
  formatPath,
  validateAnthropicMessagesRequest,
  validateOpenAIChatRequest,
} from '../../../src/protocol/validate.js';

function failure(fn: () => unknown): {
  message: string;
  param: string | undefined;
  code: string;
  status: number;
} {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    const p = e as ProtocolError;
    return { message: p.message, param: p.param, code: p.code, status: p.status };
  }
  throw new Error('expected a ProtocolError');
}

describe('formatPath', () => {
  it('renders array indexes in brackets and keys with dots', () => {
    expect(formatPath(['messages', 2, 'content', 0, 'type'])).toBe('messages[2].content[0].type');
    expect(formatPath([])).toBe('');
  });
});

describe('validateOpenAIChatRequest', () => {
  const ok = () => ({
    model: 'gpt-x',
    zeta_unknown: { nested: [1, 2] },
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }], cache_hint: true },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: '42' },
    ],
    stream: true,
    n: 1,
    tools: [{ type: 'function', function: { name: 'f' } }],
  });

  it('returns the very same object, unknown fields and key order intact', () => {
    const body = ok();
    const before = JSON.stringify(body);
    const out = validateOpenAIChatRequest(body);
    expect(out).toBe(body);
    expect(JSON.stringify(out)).toBe(before);
  });

  it('accepts an assistant turn without content', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'x' }, { role: 'assistant' }] };
    expect(validateOpenAIChatRequest(body)).toBe(body);
  });

  it('names the field path of an unknown role', () => {
    const body = ok();
    body.messages[2] = { role: 'robot', content: 'beep' } as never;
    expect(failure(() => validateOpenAIChatRequest(body))).toEqual({
      message: 'messages[2].role: unknown role "robot"',
      param: 'messages[2].role',
      code: 'invalid_value',
      status: 400,
    });
  });

  it('reports missing and mistyped top-level fields', () => {
    expect(failure(() => validateOpenAIChatRequest({ messages: [{ role: 'user', content: 'x' }] }))).toEqual({
      message: 'model: is required',
      param: 'model',
      code: 'missing_required_parameter',
      status: 400,
    });
    expect(failure(() => validateOpenAIChatRequest({ model: 'm', messages: [] })).message).toBe(
      'messages: must contain at least one message',
    );
    expect(failure(() => validateOpenAIChatRequest({ model: 'm', messages: 'hi' })).message).toBe(
      'messages: must be an array, got a string',
    );
    const base = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
    expect(failure(() => validateOpenAIChatRequest({ ...base, stream: 'yes' })).message).toBe(
      'stream: must be a boolean, got a string',
    );
    expect(failure(() => validateOpenAIChatRequest({ ...base, n: 0 })).message).toBe(
      'n: must be a positive integer, got a number',
    );
    expect(failure(() => validateOpenAIChatRequest({ ...base, n: 1.5 })).param).toBe('n');
    expect(failure(() => validateOpenAIChatRequest({ ...base, tools: {} })).message).toBe(
      'tools: must be an array, got an object',
    );
  });

  it('rejects a body that is not an object', () => {
    for (const body of [null, [], 'text', 3]) {
      const f = failure(() => validateOpenAIChatRequest(body));
      expect(f.param).toBeUndefined();
      expect(f.message).toMatch(/^request body must be a JSON object, got /);
    }
  });

  it('checks content shapes and points inside content parts', () => {
    const msg = (m: unknown) => ({ model: 'm', messages: [m] });
    expect(failure(() => validateOpenAIChatRequest(msg({ role: 'user', content: 5 })))).toMatchObject({
      message: 'messages[0].content: must be a string, an array of content parts, or null, got a number',
      param: 'messages[0].content',
    });
    expect(
      failure(() => validateOpenAIChatRequest(msg({ role: 'user', content: [{ text: 'x' }] }))),
    ).toMatchObject({
      message: 'messages[0].content[0].type: is required',
      param: 'messages[0].content[0].type',
    });
    expect(failure(() => validateOpenAIChatRequest(msg({ role: 'user', content: null })))).toMatchObject({
      message: 'messages[0].content: must not be null for role "user"',
    });
    expect(failure(() => validateOpenAIChatRequest(msg({ role: 'system' })))).toMatchObject({
      message: 'messages[0].content: is required',
    });
    expect(failure(() => validateOpenAIChatRequest(msg({ role: 'tool', content: 'x' })))).toMatchObject({
      message: 'messages[0].tool_call_id: is required for role "tool"',
      param: 'messages[0].tool_call_id',
    });
    expect(failure(() => validateOpenAIChatRequest(msg('hello')))).toMatchObject({
      message: 'messages[0]: must be an object, got a string',
    });
  });
});

describe('validateAnthropicMessagesRequest', () => {
  const ok = () => ({
    model: 'claude-x',
    max_tokens: 1024,
    system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }],
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 's' }] },
    ],
    stream: false,
    thinking: { type: 'enabled', budget_tokens: 100 },
  });

  it('returns the very same object', () => {
    const body = ok();
    const before = JSON.stringify(body);
    expect(validateAnthropicMessagesRequest(body)).toBe(body);
    expect(JSON.stringify(body)).toBe(before);
  });

  it('requires max_tokens as a positive integer', () => {
    const { max_tokens: _, ...rest } = ok();
    expect(failure(() => validateAnthropicMessagesRequest(rest))).toEqual({
      message: 'max_tokens: is required',
      param: 'max_tokens',
      code: 'missing_required_parameter',
      status: 400,
    });
    expect(failure(() => validateAnthropicMessagesRequest({ ...ok(), max_tokens: -1 })).param).toBe(
      'max_tokens',
    );
    expect(failure(() => validateAnthropicMessagesRequest({ ...ok(), max_tokens: '10' })).message).toBe(
      'max_tokens: must be a positive integer, got a string',
    );
  });

  it('allows user, assistant and mid-conversation system roles, nothing else', () => {
    // Claude Code 2.1 sends `{role: "system"}` between turns (the agent-types list after the prompt).
    const withSystem = ok();
    withSystem.messages.splice(1, 0, { role: 'system', content: 'Available agent types: …' });
    expect(validateAnthropicMessagesRequest(withSystem)).toBe(withSystem);
    const body = ok();
    body.messages.push({ role: 'tool', content: 'x' });
    expect(failure(() => validateAnthropicMessagesRequest(body))).toMatchObject({
      message: 'messages[2].role: unknown role "tool"',
      param: 'messages[2].role',
    });
  });

  it('requires at least one message and well-formed content and system', () => {
    expect(failure(() => validateAnthropicMessagesRequest({ ...ok(), messages: [] })).message).toBe(
      'messages: must contain at least one message',
    );
    expect(
      failure(() =>
        validateAnthropicMessagesRequest({ ...ok(), messages: [{ role: 'user', content: null }] }),
      ).message,
    ).toBe('messages[0].content: must be a string or an array of content blocks, got null');
    expect(
      failure(() =>
        validateAnthropicMessagesRequest({ ...ok(), messages: [{ role: 'user', content: [{ type: 3 }] }] }),
      ).param,
    ).toBe('messages[0].content[0].type');
    expect(failure(() => validateAnthropicMessagesRequest({ ...ok(), system: 7 })).message).toBe(
      'system: must be a string or an array of content blocks, got a number',
    );
    expect(failure(() => validateAnthropicMessagesRequest({ ...ok(), stream: 1 })).param).toBe('stream');
    expect(failure(() => validateAnthropicMessagesRequest({ ...ok(), model: 3 })).message).toBe(
      'model: must be a string, got a number',
    );
  });
});
