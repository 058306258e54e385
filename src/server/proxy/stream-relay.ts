import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { anthropicErrorBody, openAIErrorBody } from '../../protocol/error-shapes.js';
import { formatSse, SseDecoder } from '../../protocol/sse.js';
import type { JsonObject, SseEvent, WireProtocol } from '../../protocol/types.js';
import type { CancelSignal } from '../../upstream/cancel.js';
import type { UpstreamResponse } from '../../upstream/types.js';
import type { ProtocolPair } from './pairs.js';
import {
  elapsedMs,
  STORE_WRITE_FAILED,
  type TurnDraft,
  type TurnOutcome,
  type TurnRecorder,
} from './recorder.js';

export interface RelayOptions {
  upstream: UpstreamResponse;
  res: ServerResponse;
  draft: TurnDraft;
  pair: ProtocolPair;
  clientBody: JsonObject;
  recorder: TurnRecorder;
  signal: CancelSignal;
  backendName: string;
  protocol: WireProtocol;
}

/**
 * Relay an SSE stream as it arrives. Same protocol: the upstream's bytes are written untouched,
 * chunk by chunk, while a parsed copy assembles the final message for the record. Different
 * protocols: each upstream event is translated and written at once. Either way the turn is
 * committed to the store just before the client receives the stream's terminal event.
 */
export async function relayStream(o: RelayOptions): Promise<void> {
  const { res, draft, pair } = o;
  const decoder = new SseDecoder();
  const utf8 = new TextDecoder();
  const assembler = pair.assembler();
  const translator = pair.translator(o.clientBody);
  let recorded = false;
  let terminalSeen = false;

  /** Resolves false when the turn could not be stored and store.on_write_error is fail. */
  const record = async (outcome: TurnOutcome): Promise<boolean> => {
    if (recorded) return true;
    recorded = true;
    const stored = await o.recorder.record(draft, outcome);
    return stored !== null || !o.recorder.failOnWriteError;
  };
  // Not stored: the client gets an error event instead of the stream's final event.
  const refuseEnd = () => {
    res.end(`\n${errorEvents(STORE_WRITE_FAILED)}`);
  };
  const finalResponse = (): JsonObject | null => {
    try {
      return assembler.result();
    } catch {
      return null;
    }
  };
  // A terminal event may itself report failure (Responses `response.failed`): record it as an error.
  const completed = (): TurnOutcome => {
    const failure = assembler.failure;
    const response = finalResponse();
    return failure
      ? { status: 'error', httpStatus: 200, response, error: failure }
      : { status: 'ok', httpStatus: 200, response };
  };
  const errorEvents = (message: string): string =>
    (assembler.errorEvents?.(message) ?? [streamError(o.protocol, message)]).map(formatSse).join('');
  const observe = (events: SseEvent[]) => {
    for (const ev of events) {
      if (assembler.push(ev)) terminalSeen = true;
    }
    if (draft.ttftMs === null && assembler.sawContent) draft.ttftMs = elapsedMs(draft.startedHr);
  };

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();

  let drainTimer: NodeJS.Timeout | undefined;
  try {
    for await (const chunk of o.upstream.body) {
      // Terminal event relayed and the response ended: read what is left so the connection
      // can be reused.
      if (res.writableEnded) continue;
      const events = decoder.push(utf8.decode(chunk, { stream: true }));
      let out: string | Uint8Array;
      if (translator) {
        const clientEvents = events.flatMap((ev) => translator.push(ev));
        observe(clientEvents);
        out = clientEvents.map(formatSse).join('');
      } else {
        observe(events);
        out = chunk;
      }
      if (terminalSeen && !(await record(completed()))) {
        refuseEnd();
        drainTimer = drainDeadline(o.upstream.body);
        continue;
      }
      if (terminalSeen && !translator) {
        // Nothing follows the terminal event: end the client's response with it now rather than
        // when the upstream closes its body (a write and a wake-up fewer on every stream's end).
        res.end(out);
        drainTimer = drainDeadline(o.upstream.body);
        continue;
      }
      if (out.length > 0 && !res.write(out)) await drained(res, o.signal);
    }
    if (res.writableEnded) return;
    if (translator) {
      const tail = translator.finish();
      observe(tail);
      if (terminalSeen && !(await record(completed()))) return refuseEnd();
      if (tail.length > 0) res.write(tail.map(formatSse).join(''));
    }
    if (!terminalSeen) {
      // The upstream closed cleanly but never finished its message: keep what came, say so.
      const error = `${o.backendName} ended the stream before its final event`;
      await record({ status: 'error', httpStatus: 200, response: finalResponse(), error });
      res.write(errorEvents(error));
    }
    res.end();
  } catch (err) {
    // Failed after its terminal event was relayed: the turn is recorded and the client served.
    if (res.writableEnded) return;
    if (o.signal.aborted) {
      await record({
        status: 'aborted',
        httpStatus: 499,
        response: finalResponse(),
        error: 'client disconnected mid-stream',
      });
      return;
    }
    const error = `${o.backendName} failed mid-stream: ${(err as Error).message}`;
    await record({ status: 'error', httpStatus: 200, response: finalResponse(), error });
    if (!res.destroyed) {
      res.write(errorEvents(error));
      res.end();
    }
  } finally {
    clearTimeout(drainTimer);
  }
}

/** Past the terminal event an upstream gets a second to close its body; then it is cut off. */
function drainDeadline(body: UpstreamResponse['body']): NodeJS.Timeout | undefined {
  if (!(body instanceof Readable)) return undefined;
  const timer = setTimeout(() => body.destroy(), 1000);
  timer.unref();
  return timer;
}

/** An in-band error event in the client's protocol (headers are already sent). */
function streamError(protocol: WireProtocol, message: string): SseEvent {
  if (protocol === 'anthropic-messages') {
    return { event: 'error', data: JSON.stringify(anthropicErrorBody('api_error', message)) };
  }
  return { data: JSON.stringify(openAIErrorBody(message, 'api_error')) };
}

function drained(res: ServerResponse, signal: CancelSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
