import { describe, expect, it } from 'vitest';
import {
  anthropicErrorBody,
  anthropicErrorTypeForStatus,
  extractUpstreamErrorMessage,
  openAIErrorBody,
  openAIErrorTypeForStatus,
} from '../../../src/protocol/error-shapes.js';
import { ProtocolError } from '../../../src/protocol/errors.js';

describe('ProtocolError', () => {
  it('defaults to a 400 invalid request', () => {
    const e = new ProtocolError('bad');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ProtocolError');
    expect({ message: e.message, status: e.status, type: e.type, code: e.code, param: e.param }).toEqual({
      message: 'bad',
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_request',
      param: undefined,
    });
  });

  it('keeps explicit status, type, param and code', () => {
    const e = new ProtocolError('too big', {
      status: 413,
      type: 'request_too_large',
      param: 'messages',
      code: 'x',
    });
    expect([e.status, e.type, e.param, e.code]).toEqual([413, 'request_too_large', 'messages', 'x']);
  });
});

describe('error bodies', () => {
  it('builds the OpenAI shape with null param and code when absent', () => {
    expect(openAIErrorBody('nope', 'invalid_request_error')).toEqual({
      error: { message: 'nope', type: 'invalid_request_error', param: null, code: null },
    });
    expect(openAIErrorBody('nope', 'invalid_request_error', 'invalid_value', 'messages[0].role')).toEqual({
      error: {
        message: 'nope',
        type: 'invalid_request_error',
        param: 'messages[0].role',
        code: 'invalid_value',
      },
    });
  });

  it('builds the Anthropic shape', () => {
    expect(anthropicErrorBody('overloaded_error', 'Overloaded')).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
  });
});

describe('error types for HTTP status', () => {
  it('maps Anthropic statuses', () => {
    const cases: Array<[number, string]> = [
      [400, 'invalid_request_error'],
      [401, 'authentication_error'],
      [402, 'billing_error'],
      [403, 'permission_error'],
      [404, 'not_found_error'],
      [409, 'invalid_request_error'],
      [413, 'request_too_large'],
      [422, 'invalid_request_error'],
      [429, 'rate_limit_error'],
      [500, 'api_error'],
      [502, 'api_error'],
      [503, 'overloaded_error'],
      [504, 'timeout_error'],
      [529, 'overloaded_error'],
      [599, 'api_error'],
    ];
    expect(cases.map(([s]) => [s, anthropicErrorTypeForStatus(s)])).toEqual(cases);
  });

  it('maps OpenAI statuses', () => {
    const cases: Array<[number, string]> = [
      [400, 'invalid_request_error'],
      [401, 'authentication_error'],
      [403, 'permission_error'],
      [404, 'not_found_error'],
      [413, 'invalid_request_error'],
      [429, 'rate_limit_error'],
      [500, 'server_error'],
      [502, 'server_error'],
      [503, 'server_error'],
    ];
    expect(cases.map(([s]) => [s, openAIErrorTypeForStatus(s)])).toEqual(cases);
  });
});

describe('extractUpstreamErrorMessage', () => {
  it('reads the OpenAI shape', () => {
    expect(extractUpstreamErrorMessage({ error: { message: 'Invalid model', type: 'x', code: null } })).toBe(
      'Invalid model',
    );
  });

  it('reads the Anthropic shape', () => {
    expect(
      extractUpstreamErrorMessage({
        type: 'error',
        error: { type: 'rate_limit_error', message: 'slow down' },
      }),
    ).toBe('slow down');
  });

  it('reads FastAPI detail strings and validation lists', () => {
    expect(extractUpstreamErrorMessage({ detail: 'Not Found' })).toBe('Not Found');
    expect(
      extractUpstreamErrorMessage({
        detail: [
          { loc: ['body', 'messages'], msg: 'field required', type: 'missing' },
          { loc: ['body', 'n'], msg: 'must be >= 1', type: 'value_error' },
        ],
      }),
    ).toBe('body.messages: field required; body.n: must be >= 1');
  });

  it('reads bare message and string error fields', () => {
    expect(extractUpstreamErrorMessage({ message: 'quota exceeded' })).toBe('quota exceeded');
    expect(extractUpstreamErrorMessage({ error: 'bad gateway' })).toBe('bad gateway');
  });

  it('parses JSON text and falls back to a raw text prefix', () => {
    expect(extractUpstreamErrorMessage('{"error":{"message":"from text"}}')).toBe('from text');
    expect(extractUpstreamErrorMessage('  <html>502 Bad Gateway</html>\n')).toBe(
      '<html>502 Bad Gateway</html>',
    );
    expect(extractUpstreamErrorMessage('x'.repeat(2000))).toBe('x'.repeat(500));
    expect(extractUpstreamErrorMessage(new TextEncoder().encode('upstream down'))).toBe('upstream down');
  });

  it('serializes unknown objects and returns empty for nothing', () => {
    expect(extractUpstreamErrorMessage({ status: 'failed', code: 7 })).toBe('{"status":"failed","code":7}');
    expect(extractUpstreamErrorMessage('')).toBe('');
    expect(extractUpstreamErrorMessage(null)).toBe('');
    expect(extractUpstreamErrorMessage(undefined)).toBe('');
  });
});
