import type { Db } from './db.js';

export type SessionEndReason = 'explicit' | 'idle' | 'new-conversation' | 'shutdown';

export interface SessionRecord {
  id: string;
  client: string | null;
  source: 'header' | 'inferred';
  startedAt: number;
  lastActivityAt: number;
  endedAt: number | null;
  endReason: SessionEndReason | null;
  turnCount: number;
  prefixHash: string | null;
  prefixLen: number | null;
}

export interface SessionRow {
  id: string;
  client: string | null;
  source: 'header' | 'inferred';
  started_at: number;
  last_activity_at: number;
  ended_at: number | null;
  end_reason: SessionEndReason | null;
  turn_count: number;
  prefix_hash: string | null;
  prefix_len: number | null;
}

export class SessionRepository {
  private readonly insertStmt;
  private readonly endStmt;
  private readonly prefixStmt;
  private readonly touchStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT OR IGNORE INTO sessions (id, client, source, started_at, last_activity_at) VALUES (?, ?, ?, ?, ?)`,
    );
    this.endStmt = db.prepare(
      'UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL',
    );
    this.prefixStmt = db.prepare('UPDATE sessions SET prefix_hash = ?, prefix_len = ? WHERE id = ?');
    this.touchStmt = db.prepare(
      'UPDATE sessions SET last_activity_at = MAX(last_activity_at, ?) WHERE id = ?',
    );
  }

  create(id: string, source: 'header' | 'inferred', client: string | null, at: number): void {
    this.insertStmt.run(id, client, source, at, at);
  }

  /** Close a session once; returns true when this call closed it. */
  end(id: string, reason: SessionEndReason, at: number): boolean {
    return this.endStmt.run(at, reason, id).changes > 0;
  }

  setPrefix(id: string, hash: string, len: number): void {
    this.prefixStmt.run(hash, len, id);
  }

  touch(id: string, at: number): void {
    this.touchStmt.run(at, id);
  }

  get(id: string): SessionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
    return row ? sessionFromRow(row) : undefined;
  }

  listOpen(): SessionRecord[] {
    return (this.db.prepare('SELECT * FROM sessions WHERE ended_at IS NULL').all() as SessionRow[]).map(
      sessionFromRow,
    );
  }

  list(opts: { limit?: number; offset?: number } = {}): SessionRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM sessions ORDER BY started_at DESC, id LIMIT ? OFFSET ?')
      .all(opts.limit ?? 50, opts.offset ?? 0) as SessionRow[];
    return rows.map(sessionFromRow);
  }

  /** Ids equal to `typed` or starting with it (at most `limit`), for id prefixes in the CLI. */
  idsMatching(typed: string, limit = 6): string[] {
    const like = `${typed.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return (
      this.db
        .prepare("SELECT id FROM sessions WHERE id = ? OR id LIKE ? ESCAPE '\\' LIMIT ?")
        .all(typed, like, limit) as {
        id: string;
      }[]
    ).map((r) => r.id);
  }

  /** The latest activity of any session: when a request was last proxied (null = never). */
  lastActivityAt(): number | null {
    return (
      this.db.prepare('SELECT MAX(last_activity_at) AS at FROM sessions').get() as { at: number | null }
    ).at;
  }

  /** The highest turn number recorded for a session (0 = none yet). */
  maxTurnSeq(id: string): number {
    return (
      this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS n FROM turns WHERE session_id = ?').get(id) as {
        n: number;
      }
    ).n;
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n;
  }
}

/** A sessions row → the record (also used by the dashboard's session reads). */
export function sessionFromRow(r: SessionRow): SessionRecord {
  return {
    id: r.id,
    client: r.client,
    source: r.source,
    startedAt: r.started_at,
    lastActivityAt: r.last_activity_at,
    endedAt: r.ended_at,
    endReason: r.end_reason,
    turnCount: r.turn_count,
    prefixHash: r.prefix_hash,
    prefixLen: r.prefix_len,
  };
}
