import type { SessionWrite } from '../sessions/tracker.js';
import type { Db } from './db.js';
import { type EncodedTurnBodies, TurnPartStore } from './turn-parts.js';

export type TurnKind = 'main' | 'side';
export type TurnStatus = 'ok' | 'error' | 'aborted';
export type WireProtocol = 'openai-chat' | 'anthropic-messages' | 'openai-responses';

/** One proxied call, as recorded. JSON columns are stored as text and parsed on read. */
export interface TurnRecord {
  id: string;
  sessionId: string;
  seq: number;
  kind: TurnKind;
  protocol: WireProtocol;
  upstreamProtocol: WireProtocol | null;
  model: string | null;
  stream: boolean;
  requestJson: string;
  upstreamRequestJson: string | null;
  responseJson: string | null;
  status: TurnStatus;
  httpStatus: number | null;
  error: string | null;
  startedAt: number;
  latencyMs: number | null;
  ttftMs: number | null;
  usageJson: string | null;
  libraryGeneration: number;
  injectedRevisionIds: number[];
  policyVersion: number | null;
  /** Token-exact sample, only when a trainable policy served the turn (training reads these, never text). */
  promptTokenIds?: number[] | null;
  responseTokenIds?: number[] | null;
  responseLogprobs?: number[] | null;
  /** Set when retention removed the bodies (requestJson then reads '{}', the others null). */
  prunedAt?: number;
}

export interface TurnRow {
  id: string;
  session_id: string;
  seq: number;
  kind: TurnKind;
  protocol: WireProtocol;
  upstream_protocol: WireProtocol | null;
  model: string | null;
  stream: number;
  request_json: string;
  upstream_request_json: string | null;
  response_json: string | null;
  status: TurnStatus;
  http_status: number | null;
  error: string | null;
  started_at: number;
  latency_ms: number | null;
  ttft_ms: number | null;
  usage_json: string | null;
  library_generation: number;
  injected_revision_ids: string | null;
  policy_version: number | null;
  prompt_token_ids: string | null;
  response_token_ids: string | null;
  response_logprobs: string | null;
  /** Migration 009: part manifests (the *_json columns are then '' / NULL); see turn-parts.ts. */
  request_ref: Uint8Array | null;
  upstream_ref: Uint8Array | null;
  response_ref: Uint8Array | null;
  pruned_at: number | null;
}

export class TurnRepository {
  private readonly insertStmt;
  private readonly bumpSession;
  private readonly createSession;
  private readonly bySession;
  private readonly byId;
  private readonly lastMainStmt;
  private readonly maxSeqStmt;
  private readonly nextMainStmt;
  /** Request, as-sent request and response bodies, stored as content-addressed parts. */
  readonly parts: TurnPartStore;

  constructor(
    private readonly db: Db,
    /** Write bodies inline, as before migration 009 (bench/storage.ts measures both ways). */
    private readonly opts: { inlineBodies?: boolean } = {},
  ) {
    this.parts = new TurnPartStore(db);
    this.insertStmt =
      db.prepare(`INSERT INTO turns (id, session_id, seq, kind, protocol, upstream_protocol, model, stream,
      request_json, upstream_request_json, response_json, status, http_status, error, started_at, latency_ms, ttft_ms,
      usage_json, library_generation, injected_revision_ids, policy_version,
      prompt_token_ids, response_token_ids, response_logprobs, request_ref, upstream_ref, response_ref, body_bytes)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    // A session's row changes with each of its turns: created with its first (counters and prefix
    // included), then updated once per turn. One statement per turn, not three.
    this.createSession = db.prepare(
      `INSERT OR IGNORE INTO sessions (id, client, source, started_at, last_activity_at, turn_count, prefix_hash, prefix_len)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.bumpSession = db.prepare(
      `UPDATE sessions SET turn_count = MAX(turn_count, ?), last_activity_at = MAX(last_activity_at, ?),
       prefix_hash = COALESCE(?, prefix_hash), prefix_len = COALESCE(?, prefix_len) WHERE id = ?`,
    );
    this.batchTx = db.transaction((items: readonly { turn: TurnRecord; session: SessionWrite }[]) =>
      this.writeBatch(items),
    );
    this.bySession = db.prepare('SELECT * FROM turns WHERE session_id = ? ORDER BY seq');
    this.byId = db.prepare('SELECT * FROM turns WHERE id = ?');
    this.lastMainStmt = db.prepare(
      `SELECT id FROM turns WHERE session_id = ? AND kind = 'main' AND status = 'ok' AND seq < ?
       ORDER BY seq DESC LIMIT 1`,
    );
    this.maxSeqStmt = db.prepare('SELECT COALESCE(MAX(seq), 0) AS n FROM turns WHERE session_id = ?');
    this.nextMainStmt = db.prepare(
      `SELECT id FROM turns WHERE session_id = ? AND kind = 'main' AND seq > ? ORDER BY seq LIMIT 1`,
    );
  }

  /**
   * Durably record a finished turn, with whatever its session needs (created on its first turn,
   * its conversation prefix), in one transaction.
   */
  insert(t: TurnRecord, session: SessionWrite = {}): void {
    this.insertBatch([{ turn: t, session }]);
  }

  /** Record several turns in one transaction (group commit: one commit for a burst of turns). */
  insertBatch(items: readonly { turn: TurnRecord; session: SessionWrite }[]): void {
    try {
      this.batchTx(items);
    } catch (err) {
      // Rolled back: the part caches may name parts and references that were never committed.
      this.parts.forgetAll();
      throw err;
    }
  }

  private readonly batchTx: (items: readonly { turn: TurnRecord; session: SessionWrite }[]) => void;

  private writeBatch(items: readonly { turn: TurnRecord; session: SessionWrite }[]): void {
    for (const { turn: t, session } of items) {
      const c = session.create;
      const hash = session.prefix?.hash ?? null;
      const len = session.prefix?.len ?? null;
      const created =
        c !== undefined &&
        this.createSession.run(
          t.sessionId,
          c.client,
          c.source,
          c.at,
          Math.max(c.at, t.startedAt),
          t.seq,
          hash,
          len,
        ).changes > 0;
      if (!created) this.bumpSession.run(t.seq, t.startedAt, hash, len, t.sessionId);
      const body = this.opts.inlineBodies ? inlineBody(t) : this.parts.encode(t.sessionId, t);
      // Positional binding: measurably cheaper than named parameters on this hot path.
      this.insertStmt.run(
        t.id,
        t.sessionId,
        t.seq,
        t.kind,
        t.protocol,
        t.upstreamProtocol,
        t.model,
        t.stream ? 1 : 0,
        body.request_json,
        body.upstream_request_json,
        body.response_json,
        t.status,
        t.httpStatus,
        t.error,
        t.startedAt,
        t.latencyMs,
        t.ttftMs,
        t.usageJson,
        t.libraryGeneration,
        JSON.stringify(t.injectedRevisionIds),
        t.policyVersion,
        jsonArray(t.promptTokenIds),
        jsonArray(t.responseTokenIds),
        jsonArray(t.responseLogprobs),
        body.request_ref,
        body.upstream_ref,
        body.response_ref,
        body.body_bytes,
      );
    }
  }

  listBySession(sessionId: string): TurnRecord[] {
    // One part cache for the session: its turns share most of their parts.
    const cache = new Map<number, string>();
    return (this.bySession.all(sessionId) as TurnRow[]).map((r) => turnFromRow(r, this.parts, cache));
  }

  get(id: string): TurnRecord | undefined {
    const row = this.byId.get(id) as TurnRow | undefined;
    return row ? turnFromRow(row, this.parts) : undefined;
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM turns').get() as { n: number }).n;
  }

  /**
   * The id of a session's last main turn that was served (status ok), optionally before `seq`.
   * The one definition of "the turn a follow-up or a rating is about": the judge's next state and
   * a session's explicit feedback both use it, so they cannot drift apart.
   */
  lastMainTurnId(sessionId: string, beforeSeq = Number.MAX_SAFE_INTEGER): string | null {
    const row = this.lastMainStmt.get(sessionId, beforeSeq) as { id: string } | undefined;
    return row?.id ?? null;
  }

  /** The id of the session's first main turn after `seq` (what came next), whatever its status. */
  nextMainTurnId(sessionId: string, afterSeq: number): string | null {
    const row = this.nextMainStmt.get(sessionId, afterSeq) as { id: string } | undefined;
    return row?.id ?? null;
  }

  /** The highest turn number of a session (0 = none yet). */
  maxSeq(sessionId: string): number {
    return (this.maxSeqStmt.get(sessionId) as { n: number }).n;
  }
}

/**
 * A turns row → the record (also used by the dashboard's session reads). Bodies stored as parts
 * are rebuilt byte for byte; `cache` shares decoded parts across the turns of one read.
 */
export function turnFromRow(r: TurnRow, parts: TurnPartStore, cache?: Map<number, string>): TurnRecord {
  const body = parts.decode(r, cache);
  const record: TurnRecord = {
    id: r.id,
    sessionId: r.session_id,
    seq: r.seq,
    kind: r.kind,
    protocol: r.protocol,
    upstreamProtocol: r.upstream_protocol,
    model: r.model,
    stream: r.stream === 1,
    requestJson: body.requestJson,
    upstreamRequestJson: body.upstreamRequestJson,
    responseJson: body.responseJson,
    status: r.status,
    httpStatus: r.http_status,
    error: r.error,
    startedAt: r.started_at,
    latencyMs: r.latency_ms,
    ttftMs: r.ttft_ms,
    usageJson: r.usage_json,
    libraryGeneration: r.library_generation,
    injectedRevisionIds: r.injected_revision_ids ? (JSON.parse(r.injected_revision_ids) as number[]) : [],
    policyVersion: r.policy_version,
    promptTokenIds: parseArray(r.prompt_token_ids),
    responseTokenIds: parseArray(r.response_token_ids),
    responseLogprobs: parseArray(r.response_logprobs),
  };
  if (r.pruned_at !== null && r.pruned_at !== undefined) record.prunedAt = r.pruned_at;
  return record;
}

function inlineBody(t: TurnRecord): EncodedTurnBodies {
  return {
    request_json: t.requestJson,
    upstream_request_json: t.upstreamRequestJson,
    response_json: t.responseJson,
    request_ref: null,
    upstream_ref: null,
    response_ref: null,
    body_bytes: null,
  };
}

function jsonArray(v: number[] | null | undefined): string | null {
  return v ? JSON.stringify(v) : null;
}

function parseArray(v: string | null): number[] | null {
  return v === null ? null : (JSON.parse(v) as number[]);
}
