import type { ServerResponse } from 'node:http';
import type { Route } from '../../server/router.js';
import { SessionListRepository } from '../../store/session-list.js';
import type { TurnRecord } from '../../store/turns.js';
import type { AdminEventMap, AdminEventName } from '../contract.js';
import type { AdminApiDeps } from '../deps.js';
import type { AdminEventBus } from '../event-bus.js';
import { summarizeTurns } from '../turn-summary.js';

/** Per-client backlog bounds: past either, the backlog is dropped and the client told to resync. */
export const SSE_MAX_QUEUED_EVENTS = 256;
export const SSE_MAX_QUEUED_BYTES = 1024 * 1024;
/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
export const SSE_PING_MS = 15_000;
/**
 * Events are written at most this often, many per write: one socket write per batch rather than
 * per turn (on loopback the sender pays for the whole TCP path), and a dashboard needs no faster.
 * A batch this large is written at once.
 */
export const SSE_BATCH_MS = 50;
const SSE_BATCH_BYTES = 64 * 1024;

const frame = <K extends AdminEventName>(name: K, data: AdminEventMap[K]) =>
  `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * One dashboard connection. Events wait in a bounded queue and are written in batches; while the
 * socket pushes back (a client that stopped reading) nothing is written and the queue fills; on
 * overflow it is dropped and one `resync` goes out when the socket drains. So a slow client costs
 * at most the bounds, never blocks the publisher (the proxy's recorder), and learns it must refetch.
 */
class SseClient {
  private queue: string[] = [];
  private bytes = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly res: ServerResponse) {
    res.on('drain', () => this.flush());
    res.on('close', () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    });
  }

  send(f: string): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.queue.push(f);
    this.bytes += f.length;
    if (this.queue.length > SSE_MAX_QUEUED_EVENTS || this.bytes > SSE_MAX_QUEUED_BYTES) {
      this.dropped += this.queue.length;
      this.queue = [];
      this.bytes = 0;
    }
    if (this.res.writableNeedDrain) return; // 'drain' flushes
    if (this.bytes >= SSE_BATCH_BYTES) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), SSE_BATCH_MS);
      this.timer.unref();
    }
  }

  /** A keep-alive comment, only when nothing is waiting (a backlog already keeps the line busy). */
  ping(): void {
    if (!this.res.writableNeedDrain && this.queue.length === 0 && this.dropped === 0)
      this.res.write(': ping\n\n');
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.res.writableEnded || this.res.destroyed || this.res.writableNeedDrain) return;
    if (this.queue.length === 0 && this.dropped === 0) return;
    const head = this.dropped > 0 ? frame('resync', { dropped: this.dropped }) : '';
    const out = head + this.queue.join('');
    this.dropped = 0;
    this.queue = [];
    this.bytes = 0;
    this.res.write(out);
  }
}

/**
 * Fans the bus out to the open streams: subscribed only while a client is connected (no dashboard
 * open = no work per event), each event serialised once for all clients.
 */
export class SseHub {
  private readonly clients = new Set<SseClient>();
  private unsubscribe: (() => void) | null = null;
  private pingTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: AdminEventBus,
    private readonly pingMs = SSE_PING_MS,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // Sent at once so EventSource fires `open` and tests know the subscription is live.
    res.write(': connected\n\n');
    const client = new SseClient(res);
    this.clients.add(client);
    if (!this.unsubscribe)
      this.unsubscribe = this.bus.subscribe((name, data) => {
        const f = frame(name, data);
        for (const c of this.clients) c.send(f);
      });
    if (!this.pingTimer) {
      this.pingTimer = setInterval(() => {
        for (const c of this.clients) c.ping();
      }, this.pingMs);
      // A dashboard tab must never keep the process alive on its own.
      this.pingTimer.unref();
    }
    // Client gone or the server closing its connections (App.stop): forget it.
    res.on('close', () => this.detach(client));
  }

  private detach(c: SseClient): void {
    this.clients.delete(c);
    if (this.clients.size > 0) return;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }
}

/**
 * Publishes a `turn` event for every stored turn (the recorder notifies only for turns it stored),
 * and again, with its judge score or feedback, whenever the turn gets a reward. Deferred and
 * batched: the recorder calls listeners before the clients' responses end, so the summary (JSON
 * parse, a few indexed reads) must not run there. Nothing is done while no stream is open.
 */
export function publishTurns(
  d: Pick<AdminApiDeps, 'recorder' | 'events' | 'db' | 'log' | 'learning' | 'turns'>,
): void {
  const repo = new SessionListRepository(d.db);
  /** Fresh turns (in memory, nothing to look up) and ids of rewarded turns (read back). */
  let pending: (TurnRecord | string)[] = [];
  const publishPending = () => {
    const batch = pending;
    pending = [];
    for (const item of batch) {
      try {
        const turn = typeof item === 'string' ? d.turns.get(item) : item;
        if (turn) d.events.publish('turn', summarizeTurns(repo, [turn], typeof item !== 'string')[0]!);
      } catch (err) {
        // The store closing under a late event (shutdown) is not worth more than a debug line.
        d.log.debug({ err }, 'turn event not published');
      }
    }
  };
  const enqueue = (item: TurnRecord | string) => {
    if (d.events.size === 0) return;
    pending.push(item);
    if (pending.length === 1) setImmediate(publishPending);
  };
  d.recorder.onRecorded(enqueue);
  d.learning.onReward((turnId) => enqueue(turnId));
}

/** `GET /v1/admin/events`: the live stream. `?key=` is accepted here only (EventSource sends no headers). */
export function eventRoutes(d: AdminApiDeps): Route[] {
  const hub = new SseHub(d.events);
  publishTurns(d);
  return [
    {
      method: 'GET',
      path: '/v1/admin/events',
      auth: true,
      queryKey: true,
      errorShape: 'openai',
      handler: ({ req, res }) => {
        if (req.method === 'HEAD') {
          res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
          res.end();
          return;
        }
        hub.attach(res);
      },
    },
  ];
}
