import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { type ModelMap, mapModel } from '../../config/model-map.js';
import { NO_UPSTREAM_HELP } from '../../config/upstream.js';
import { extractUpstreamErrorMessage } from '../../protocol/error-shapes.js';
import { ProtocolError } from '../../protocol/errors.js';
import { validateResponsesRequest } from '../../protocol/responses/validate.js';
import type { JsonObject, WireProtocol } from '../../protocol/types.js';
import { validateAnthropicMessagesRequest, validateOpenAIChatRequest } from '../../protocol/validate.js';
import { buildView, type ConversationView } from '../../protocol/view.js';
import { classifyTurn } from '../../sessions/classify.js';
import { chainedPrefixHashes } from '../../sessions/prefix-hash.js';
import type { SessionAssignment, SessionTracker } from '../../sessions/tracker.js';
import { uuidv7 } from '../../store/ids.js';
import type { TurnKind } from '../../store/turns.js';
import { Cancellation } from '../../upstream/cancel.js';
import type { ServingBackend } from '../../upstream/types.js';
import { UpstreamError, type UpstreamResponse } from '../../upstream/types.js';
import { sendError, shapeForProtocol } from '../errors.js';
import { collectBytes, HttpError, headerValue, parseJsonBody, readBody } from '../http-util.js';
import type { PromptInjector } from '../injection.js';
import { protocolPair } from './pairs.js';
import { STORE_WRITE_FAILED, type TurnDraft, type TurnRecorder } from './recorder.js';
import { relayStream } from './stream-relay.js';

export interface ProxyDeps {
  /** Current serving backend; null when no upstream is configured. Read per request (hot-swappable). */
  backend(): ServingBackend | null;
  tracker: SessionTracker;
  recorder: TurnRecorder;
  injector(): PromptInjector;
  bodyLimit: number;
  log: Logger;
  /** Called for every proxied request, before the upstream call (proxy-inactivity signal). */
  onActivity?(now: number): void;
  /** Counts requests in flight, for graceful shutdown. */
  inflight: { n: number };
  /** `upstream.model_map`: client model → upstream model (read per request). */
  modelMap?(): ModelMap | undefined;
}

const VALIDATORS: Partial<Record<WireProtocol, (b: unknown) => JsonObject>> = {
  'openai-chat': validateOpenAIChatRequest,
  'anthropic-messages': validateAnthropicMessagesRequest,
  'openai-responses': validateResponsesRequest,
};

/** Forwarded to the upstream when present; never the client's credentials. */
const FORWARDED_HEADERS = ['anthropic-beta', 'anthropic-version', 'openai-beta'];

/** Serve one LLM call in `protocol`: validate, assign session and turn, inject, forward, relay, record. */
export async function handleProxy(
  protocol: WireProtocol,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: ProxyDeps,
): Promise<void> {
  const shape = shapeForProtocol(protocol);
  deps.inflight.n++;
  try {
    await serve(protocol, req, res, url, deps);
  } catch (err) {
    if (err instanceof HttpError)
      sendError(res, shape, err.status, err.message, {
        type: err.type,
        param: err.param,
        headers: err.headers,
      });
    else if (err instanceof ProtocolError)
      sendError(res, shape, err.status, err.message, { type: err.type, param: err.param });
    else {
      deps.log.error({ err }, 'proxy request failed');
      sendError(res, shape, 500, `internal error: ${(err as Error).message}`);
    }
  } finally {
    deps.inflight.n--;
  }
}

async function serve(
  protocol: WireProtocol,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: ProxyDeps,
) {
  const shape = shapeForProtocol(protocol);
  const startedAt = Date.now();
  const startedHr = process.hrtime.bigint();
  const raw = await readBody(req, deps.bodyLimit);
  const body = VALIDATORS[protocol]!(parseJsonBody(raw));
  const backend = deps.backend();
  if (!backend) {
    sendError(res, shape, 503, NO_UPSTREAM_HELP, { type: 'api_error', code: 'no_upstream' });
    return;
  }
  deps.onActivity?.(startedAt);
  const stream = body.stream === true;
  // The one protocol-neutral reading of this request that everything below uses.
  const view = buildView(protocol, body, req.headers);
  const kind = classifyTurn(view, headerValue(req, 'x-turn-type'));
  const prefixHashes = chainedPrefixHashes(view.stable);
  const assignment = deps.tracker.resolve({
    headerId: headerValue(req, 'x-session-id')?.trim() || view.agentSessionId || undefined,
    client: clientName(req),
    kind,
    prefixHashes,
    now: startedAt,
  });

  const sessionDone = /^(true|1|yes)$/i.test(headerValue(req, 'x-session-done') ?? '');
  try {
    await forward({
      protocol,
      req,
      res,
      url,
      deps,
      body,
      raw,
      backend,
      kind,
      view,
      prefixHashes,
      assignment,
      startedAt,
      startedHr,
      stream,
    });
  } finally {
    // The client says the session is over: close it once this turn is recorded.
    if (sessionDone) deps.tracker.end(assignment.sessionId, 'explicit');
  }
}

interface ForwardArgs {
  protocol: WireProtocol;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  deps: ProxyDeps;
  body: JsonObject;
  raw: Buffer;
  backend: ServingBackend;
  kind: TurnKind;
  view: ConversationView;
  prefixHashes: string[];
  assignment: SessionAssignment;
  startedAt: number;
  startedHr: bigint;
  stream: boolean;
}

async function forward(a: ForwardArgs): Promise<void> {
  const {
    protocol,
    req,
    res,
    url,
    deps,
    body,
    raw,
    backend,
    kind,
    view,
    prefixHashes,
    assignment,
    startedAt,
    startedHr,
    stream,
  } = a;
  const shape = shapeForProtocol(protocol);
  // A Responses request passes through when the backend serves that API too; otherwise it is translated.
  const upstreamProtocol =
    protocol === 'openai-responses' && backend.servesResponses ? protocol : backend.protocol;
  const pair = protocolPair(protocol, upstreamProtocol, { log: deps.log });
  // Skills go into the client's body, before conversion: the view's indexes are the client's.
  const injected = deps.injector().inject(body, {
    view,
    kind,
    sessionId: assignment.sessionId,
    prefixHashes,
  });
  let upstreamBody = pair.toUpstream(injected.body);
  // upstream.model_map (H5): the client's model mapped for the upstream, else upstream.model.
  const target = mapModel(deps.modelMap?.(), upstreamBody.model) ?? backend.model;
  if (target && target !== upstreamBody.model) upstreamBody = { ...upstreamBody, model: target };
  // Nothing changed: forward the client's bytes exactly as received.
  const unchanged = upstreamBody === body;
  const upstreamText = unchanged ? raw.toString('utf8') : JSON.stringify(upstreamBody);

  const draft: TurnDraft = {
    // Time-ordered: each insert lands at the right edge of the turns index, not on a random page.
    id: uuidv7(),
    sessionId: assignment.sessionId,
    seq: assignment.seq,
    kind,
    protocol,
    upstreamProtocol,
    model: typeof upstreamBody.model === 'string' ? upstreamBody.model : null,
    stream,
    requestText: unchanged ? upstreamText : raw.toString('utf8'),
    upstreamText,
    startedAt,
    startedHr,
    ttftMs: null,
    libraryGeneration: injected.libraryGeneration,
    injectedRevisionIds: injected.injectedRevisionIds,
    policyVersion: null,
    sessionWrite: assignment.persist,
    client: clientName(req),
  };
  res.setHeader('x-metaclaw-session-id', draft.sessionId);
  res.setHeader('x-metaclaw-turn-id', draft.id);

  // The client going away cancels the upstream call.
  const abort = new Cancellation();
  const onClose = () => {
    if (!res.writableFinished) abort.abort(new Error('client disconnected'));
  };
  res.on('close', onClose);

  const forwardHeaders: Record<string, string> = {};
  for (const h of FORWARDED_HEADERS) {
    const v = headerValue(req, h);
    if (v) forwardHeaders[h] = v;
  }

  let upstream: Awaited<ReturnType<ServingBackend['send']>>;
  try {
    upstream = await backend.send({
      body: upstreamBody,
      payload: upstreamText,
      stream,
      forwardHeaders,
      signal: abort,
      query: url.search || undefined,
      protocol: upstreamProtocol,
    });
  } catch (err) {
    if (err instanceof UpstreamError) {
      const status = err.failure === 'aborted' ? 499 : err.httpStatus;
      await deps.recorder.record(draft, {
        status: err.failure === 'aborted' ? 'aborted' : 'error',
        httpStatus: status,
        response: null,
        error: err.message,
      });
      if (err.failure !== 'aborted')
        sendError(res, shape, status, err.message, { type: 'api_error', code: 'upstream_unavailable' });
      return;
    }
    throw err;
  }
  // Served by a trainable policy: its exact tokens and version go on the turn for training.
  if (upstream.policy) {
    draft.policy = upstream.policy;
    draft.policyVersion = upstream.policy.version;
  }

  if (upstream.status < 200 || upstream.status >= 300) {
    await relayUpstreamError(upstream, res, draft, deps, shape, pair.same, backend.name);
    return;
  }

  if (stream) {
    await relayStream({
      upstream,
      res,
      draft,
      pair,
      clientBody: body,
      recorder: deps.recorder,
      signal: abort,
      backendName: backend.name,
      protocol,
    });
    return;
  }

  let text: string;
  try {
    text = await readAll(upstream.body);
  } catch (err) {
    const aborted = abort.aborted;
    await deps.recorder.record(draft, {
      status: aborted ? 'aborted' : 'error',
      httpStatus: aborted ? 499 : 502,
      response: null,
      error: `${backend.name} failed while sending its response: ${(err as Error).message}`,
    });
    if (!aborted)
      sendError(res, shape, 502, `${backend.name} failed while sending its response`, { type: 'api_error' });
    return;
  }
  let upstreamJson: JsonObject;
  try {
    upstreamJson = JSON.parse(text) as JsonObject;
  } catch {
    const error = `${backend.name} returned a response that is not JSON`;
    await deps.recorder.record(draft, { status: 'error', httpStatus: 502, response: null, error });
    sendError(res, shape, 502, error, { type: 'api_error' });
    return;
  }
  const clientJson = pair.same ? upstreamJson : pair.responseToClient(upstreamJson, body);
  const stored = await deps.recorder.record(draft, {
    status: 'ok',
    httpStatus: 200,
    response: clientJson,
    responseText: pair.same ? text : undefined,
  });
  if (stored === null && deps.recorder.failOnWriteError) {
    // store.on_write_error: fail — a response the client saw complete is never lost.
    sendError(res, shape, 503, STORE_WRITE_FAILED, { type: 'api_error', code: 'store_write_failed' });
    return;
  }
  // Same protocol: the upstream's bytes, untouched.
  const out = pair.same ? text : JSON.stringify(clientJson);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
  res.end(out);
}

async function relayUpstreamError(
  upstream: Awaited<ReturnType<ServingBackend['send']>>,
  res: ServerResponse,
  draft: TurnDraft,
  deps: ProxyDeps,
  shape: 'openai' | 'anthropic',
  same: boolean,
  backendName: string,
): Promise<void> {
  let text = '';
  try {
    text = await readAll(upstream.body, 1024 * 1024);
  } catch {
    // Keep whatever arrived; the status alone still says what happened.
  }
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  const message = extractUpstreamErrorMessage(parsed) || `${backendName} answered HTTP ${upstream.status}`;
  await deps.recorder.record(draft, {
    status: 'error',
    httpStatus: upstream.status,
    response: null,
    error: message,
  });
  const headers: Record<string, string> = {};
  if (upstream.headers['retry-after']) headers['retry-after'] = upstream.headers['retry-after'];
  if (same && typeof parsed === 'object' && parsed !== null) {
    res.writeHead(upstream.status, { 'content-type': 'application/json', ...headers });
    res.end(text);
    return;
  }
  const status = upstream.status >= 500 ? 502 : upstream.status;
  sendError(res, shape, status, status === 502 ? `${backendName}: ${message}` : message, { headers });
}

async function readAll(body: UpstreamResponse['body'], limit = Number.POSITIVE_INFINITY): Promise<string> {
  // An upstream's body is a stream already; a trainable policy's answer is made in memory.
  const stream = body instanceof Readable ? body : Readable.from(body);
  const { bytes, over } = await collectBytes(stream, limit);
  // Past the limit: keep what arrived and stop the transfer.
  if (over) stream.destroy();
  return bytes.toString('utf8');
}

function clientName(req: IncomingMessage): string | null {
  const ua = headerValue(req, 'user-agent');
  return ua ? ua.split(/[\s/]/)[0]!.slice(0, 64) || null : null;
}
