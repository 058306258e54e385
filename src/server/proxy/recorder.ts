import type { Logger } from 'pino';
import type { JsonObject } from '../../protocol/types.js';
import type { SessionWrite } from '../../sessions/tracker.js';
import type { TurnRecord, TurnRepository, TurnStatus } from '../../store/turns.js';
import { StoreHealth } from '../../store/write-health.js';
import type { PolicyTrace } from '../../upstream/types.js';
import { logRequest } from './request-log.js';

/**
 * Everything known about a turn while it is being served; written once, when it ends. Its
 * fields are the stored record's (store/turns.ts declares the turn once), plus what only exists
 * while serving.
 */
export interface TurnDraft
  extends Pick<
    TurnRecord,
    | 'id'
    | 'sessionId'
    | 'seq'
    | 'kind'
    | 'protocol'
    | 'upstreamProtocol'
    | 'model'
    | 'stream'
    | 'startedAt'
    | 'ttftMs'
    | 'libraryGeneration'
    | 'injectedRevisionIds'
    | 'policyVersion'
  > {
  /** The request as received (becomes `requestJson`). */
  requestText: string;
  /** The upstream request as sent (serialised once, shared with the upstream call). */
  upstreamText: string | null;
  startedHr: bigint;
  /** Exact prompt/response tokens when a trainable policy served the turn. */
  policy?: PolicyTrace;
  /** Session row/prefix writes that ride along with this turn's commit. */
  sessionWrite: SessionWrite;
  /** The calling agent, for the request log line. */
  client?: string | null;
}

export interface TurnOutcome {
  status: TurnStatus;
  httpStatus: number | null;
  response: JsonObject | null;
  /** `response` already serialised (the upstream's own bytes), to avoid doing it twice. */
  responseText?: string;
  error?: string;
}

/** The error a client gets when its turn could not be stored (store.on_write_error: fail). */
export const STORE_WRITE_FAILED =
  'MetaClaw could not record this turn (is the disk full?), so it is not delivered; see `metaclaw status` (store.on_write_error: fail)';

export type TurnListener = (turn: TurnRecord) => void;

/** Writes finished turns to the store (synchronously: the commit precedes the response's end). */
export class TurnRecorder {
  private readonly listeners: TurnListener[] = [];
  private queue: {
    turn: TurnRecord;
    session: SessionWrite;
    client: string | null | undefined;
    resolve: (t: TurnRecord | null) => void;
  }[] = [];
  private flushScheduled = false;
  constructor(
    private readonly repo: TurnRepository,
    private readonly log: Logger,
    /** Turn-write health, read by /readyz, /healthz, status, doctor and the dashboard. */
    readonly health: StoreHealth = new StoreHealth(),
    /** `store.on_write_error: fail`: a turn that could not be stored fails its request (503). */
    readonly failOnWriteError = true,
  ) {}

  onRecorded(l: TurnListener): void {
    this.listeners.push(l);
  }

  /**
   * Commit a finished turn; resolves once it is durable (callers release the response's end only
   * then). Turns finishing in the same event-loop turn share one transaction (group commit).
   */
  record(d: TurnDraft, o: TurnOutcome): Promise<TurnRecord | null> {
    const usage = o.response?.usage;
    const turn: TurnRecord = {
      id: d.id,
      sessionId: d.sessionId,
      seq: d.seq,
      kind: d.kind,
      protocol: d.protocol,
      upstreamProtocol: d.upstreamProtocol,
      model: d.model,
      stream: d.stream,
      requestJson: d.requestText,
      // Identical bytes are stored once: NULL means "sent exactly as received".
      upstreamRequestJson: d.upstreamText === d.requestText ? null : d.upstreamText,
      responseJson: o.responseText ?? (o.response ? JSON.stringify(o.response) : null),
      status: o.status,
      httpStatus: o.httpStatus,
      error: o.error ?? null,
      startedAt: d.startedAt,
      latencyMs: elapsedMs(d.startedHr),
      ttftMs: d.ttftMs,
      usageJson: usage ? JSON.stringify(usage) : null,
      libraryGeneration: d.libraryGeneration,
      injectedRevisionIds: d.injectedRevisionIds,
      policyVersion: d.policyVersion,
      promptTokenIds: d.policy?.promptTokenIds ?? null,
      responseTokenIds: d.policy?.responseTokenIds ?? null,
      responseLogprobs: d.policy?.logprobs ?? null,
    };
    return new Promise((resolve) => {
      this.queue.push({ turn, session: d.sessionWrite, client: d.client, resolve });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    // Turns that were not stored: they resolve null and reach no listener (a judge job for a
    // turn that does not exist would judge the previous turn as if the session had ended).
    const failed = new Set<string>();
    try {
      this.repo.insertBatch(batch);
    } catch (err) {
      // One bad row must not cost the others: retry one by one.
      this.log.warn({ err, n: batch.length }, 'batched turn commit failed; committing one by one');
      for (const b of batch) {
        try {
          this.repo.insert(b.turn, b.session);
        } catch (e) {
          // Losing a turn is bad, but failing the user's request over it is worse: log loudly.
          this.log.error({ err: e, turnId: b.turn.id }, 'failed to record turn');
          failed.add(b.turn.id);
          this.health.recordFailure(e);
        }
      }
    }
    if (failed.size < batch.length) this.health.recordSuccess();
    // Logged after the commit, so the line can say when a turn was not stored.
    for (const b of batch) logRequest(this.log, b.turn, b.client, !failed.has(b.turn.id));
    for (const b of batch) b.resolve(failed.has(b.turn.id) ? null : b.turn);
    for (const b of batch) {
      if (failed.has(b.turn.id)) continue;
      for (const l of this.listeners) {
        try {
          l(b.turn);
        } catch (err) {
          this.log.error({ err, turnId: b.turn.id }, 'turn listener failed');
        }
      }
    }
  }
}

export function elapsedMs(startHr: bigint): number {
  return Number(process.hrtime.bigint() - startHr) / 1e6;
}
