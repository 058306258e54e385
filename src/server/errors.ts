import type { ServerResponse } from 'node:http';
import {
  anthropicErrorBody,
  anthropicErrorTypeForStatus,
  openAIErrorBody,
  openAIErrorTypeForStatus,
} from '../protocol/error-shapes.js';
import { sendJson } from './http-util.js';
import type { ErrorShape } from './router.js';

/** Send an error in the shape the client's SDK understands. */
export function sendError(
  res: ServerResponse,
  shape: ErrorShape,
  status: number,
  message: string,
  opts: { type?: string; param?: string; code?: string; headers?: Record<string, string> } = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body =
    shape === 'anthropic'
      ? anthropicErrorBody(
          opts.type && opts.type !== 'invalid_request_error'
            ? opts.type
            : anthropicErrorTypeForStatus(status),
          message,
        )
      : openAIErrorBody(message, opts.type ?? openAIErrorTypeForStatus(status), opts.code, opts.param);
  sendJson(res, status, body, opts.headers);
}

export function shapeForProtocol(protocol: string): ErrorShape {
  return protocol === 'anthropic-messages' ? 'anthropic' : 'openai';
}
