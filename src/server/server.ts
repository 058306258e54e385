import http from 'node:http';
import type { Logger } from 'pino';
import {
  anthropicErrorBody,
  anthropicErrorTypeForStatus,
  openAIErrorBody,
  openAIErrorTypeForStatus,
} from '../protocol/error-shapes.js';
import { keyMatches, presentedKey } from './auth.js';
import { sendError } from './errors.js';
import { HttpError } from './http-util.js';
import type { Route, Router } from './router.js';

export interface ServerOptions {
  router: Router;
  apiKey?: string;
  log: Logger;
  /** Slow-client limits (proxy.* keys); defaults match the config's. */
  limits?: Partial<ServerLimits>;
}

export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 256,
};

/**
 * The HTTP front door: routing, proxy-key auth, and a last line of defence so that no input can
 * crash the process (every handler error becomes a response in the route's protocol shape).
 */
export function createHttpServer(opts: ServerOptions): http.Server {
  const l = { ...DEFAULT_LIMITS, ...opts.limits };
  // Header and request-receipt timeouts bound how long a client may take to *send*; once the
  // request is in, the response (a stream may run for minutes) is not limited by them. Node checks
  // them every `connectionsCheckingInterval`, so that follows the shortest limit.
  const options: http.ServerOptions = {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(l.headersTimeoutMs / 4))),
  };
  const server = http.createServer(options, (req, res) => {
    dispatch(opts, req, res).catch((err) => {
      opts.log.error({ err }, 'unhandled error in request handler');
      if (!res.headersSent) sendError(res, 'openai', 500, 'internal error');
      else res.destroy();
    });
  });
  server.maxConnections = l.maxConnections;
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    socket.end(parserErrorResponse(err));
  });
  return server;
}

/**
 * A request Node's parser refused (bad Content-Length, oversize headers, too slow): answer with a
 * JSON error in the protocol the request line names, when it got that far.
 */
function parserErrorResponse(err: NodeJS.ErrnoException & { rawPacket?: Buffer }): string {
  const [status, reason, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'the request was not received in time']
        : [400, 'Bad Request', `malformed HTTP request (${err.code ?? 'parse error'})`];
  const line = err.rawPacket?.subarray(0, 256).toString('latin1') ?? '';
  const shape = /^\S+ \/v1\/messages/.test(line) ? 'anthropic' : 'openai';
  const body = JSON.stringify(
    shape === 'anthropic'
      ? anthropicErrorBody(anthropicErrorTypeForStatus(status), message)
      : openAIErrorBody(message, openAIErrorTypeForStatus(status)),
  );
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

/** `?key=`, on the routes that allow it (EventSource cannot send headers). */
function queryKey(route: Route, url: URL): string | undefined {
  return route.queryKey ? (url.searchParams.get('key') ?? undefined) : undefined;
}

async function dispatch(
  opts: ServerOptions,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    sendError(res, 'openai', 400, 'malformed request URL');
    return;
  }
  const match = opts.router.match(req.method ?? 'GET', url.pathname);
  const guessShape = url.pathname.startsWith('/v1/messages') ? 'anthropic' : 'openai';
  if (match === null) {
    // Claude Code probes `HEAD /` before its first call; answer it rather than 404.
    if (url.pathname === '/' && (req.method === 'HEAD' || req.method === 'GET')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(req.method === 'HEAD' ? undefined : 'MetaClaw proxy\n');
      return;
    }
    sendError(res, guessShape, 404, `no route for ${req.method} ${url.pathname}`);
    return;
  }
  if ('methodNotAllowed' in match) {
    sendError(res, guessShape, 405, `method ${req.method} is not allowed on ${url.pathname}`);
    return;
  }
  const { route, params } = match;
  if (route.auth && opts.apiKey && !keyMatches(presentedKey(req) ?? queryKey(route, url), opts.apiKey)) {
    // Never read an unauthenticated body: answer and close the connection (the client may be
    // sending an endless one).
    sendError(res, route.errorShape, 401, 'missing or invalid API key for this MetaClaw proxy', {
      type: 'authentication_error',
      code: 'invalid_api_key',
      headers: { connection: 'close' },
    });
    res.on('finish', () => req.socket.destroySoon());
    return;
  }
  try {
    await route.handler({ req, res, url, params });
  } catch (err) {
    if (err instanceof HttpError) {
      sendError(res, route.errorShape, err.status, err.message, {
        type: err.type,
        param: err.param,
        headers: err.headers,
      });
      return;
    }
    throw err;
  }
}
