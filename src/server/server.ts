import http from 'node:http';
import type { Logger } from 'pino';
import { keyMatches, presentedKey } from './auth.js';
import { sendError } from './errors.js';
import { HttpError } from './http-util.js';
import type { Router } from './router.js';

export interface ServerOptions {
  router: Router;
  apiKey?: string;
  log: Logger;
}

/**
 * The HTTP front door: routing, proxy-key auth, and a last line of defence so that no input can
 * crash the process (every handler error becomes a response in the route's protocol shape).
 */
export function createHttpServer(opts: ServerOptions): http.Server {
  const server = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    dispatch(opts, req, res).catch((err) => {
      opts.log.error({ err }, 'unhandled error in request handler');
      if (!res.headersSent) sendError(res, 'openai', 500, 'internal error');
      else res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  return server;
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
  if (route.auth && opts.apiKey && !keyMatches(presentedKey(req), opts.apiKey)) {
    req.resume();
    sendError(res, route.errorShape, 401, 'missing or invalid API key for this MetaClaw proxy', {
      type: route.errorShape === 'anthropic' ? 'authentication_error' : 'authentication_error',
      code: 'invalid_api_key',
    });
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
