import { isObject, str } from './json.js';
import type { JsonObject } from './types.js';

/** `{error:{message,type,param,code}}`, the OpenAI error body (absent param/code are null, as OpenAI sends). */
export function openAIErrorBody(message: string, type: string, code?: string, param?: string): JsonObject {
  return { error: { message, type, param: param ?? null, code: code ?? null } };
}

/** `{type:'error', error:{type,message}}`, the Anthropic error body (also the `error` stream event's data). */
export function anthropicErrorBody(type: string, message: string): JsonObject {
  return { type: 'error', error: { type, message } };
}

const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** Anthropic error type for an HTTP status; other 4xx are invalid requests, other 5xx api errors. */
export function anthropicErrorTypeForStatus(status: number): string {
  return ANTHROPIC_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

const OPENAI_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
};

/** OpenAI error type for an HTTP status; OpenAI labels its own failures `server_error`. */
export function openAIErrorTypeForStatus(status: number): string {
  return OPENAI_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
}

const RAW_PREFIX = 500;

/**
 * The human message inside an upstream error body, whatever its shape: OpenAI `{error:{message}}`,
 * Anthropic `{type:'error', error:{message}}`, FastAPI `{detail}` (vLLM, SkyRL), a bare
 * `{message}` or `{error:"..."}`, or plain text (an HTML page from a proxy). Returns '' when there
 * is nothing to say, so the caller can fall back to the HTTP status.
 */
export function extractUpstreamErrorMessage(body: unknown): string {
  if (body === null || body === undefined) return '';
  if (body instanceof Uint8Array) return extractUpstreamErrorMessage(new TextDecoder().decode(body));
  if (typeof body === 'string') {
    const text = body.trim();
    if (text === '') return '';
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) {
        const m = extractUpstreamErrorMessage(parsed);
        if (m) return m;
      }
    } catch {
      // Not JSON: the text itself is the message.
    }
    return text.slice(0, RAW_PREFIX);
  }
  if (!isObject(body)) return JSON.stringify(body).slice(0, RAW_PREFIX);
  const error = body['error'];
  if (isObject(error)) {
    const m = str(error['message']);
    if (m) return m;
  }
  if (typeof error === 'string' && error) return error;
  const message = str(body['message']);
  if (message) return message;
  const detail = body['detail'];
  if (typeof detail === 'string' && detail) return detail;
  if (Array.isArray(detail)) {
    // FastAPI validation errors: [{loc:[...], msg, type}].
    const parts = detail.filter(isObject).map((d) => {
      const loc = Array.isArray(d['loc']) ? d['loc'].join('.') : '';
      const msg = str(d['msg']) ?? JSON.stringify(d);
      return loc ? `${loc}: ${msg}` : msg;
    });
    if (parts.length > 0) return parts.join('; ');
  }
  return JSON.stringify(body).slice(0, RAW_PREFIX);
}
