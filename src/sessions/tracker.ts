import type { Db } from '../store/db.js';
import { uuidv7 } from '../store/ids.js';
import type { SessionEndReason, SessionRepository } from '../store/sessions.js';
import type { TurnKind } from '../store/turns.js';

export interface SessionAssignment {
  sessionId: string;
  seq: number;
  /**
   * What the store must learn about the session, written in the same transaction as the turn
   * (one commit per request): a new session's row, and the conversation prefix it now continues.
   */
  persist: SessionWrite;
}

export interface SessionWrite {
  create?: { source: 'header' | 'inferred'; client: string | null; at: number };
  prefix?: { hash: string; len: number };
}

export interface ResolveInput {
  headerId?: string;
  client: string | null;
  kind: TurnKind;
  /** chainedPrefixHashes of the request's conversation items. */
  prefixHashes: string[];
  now: number;
}

/**
 * Open sessions held in memory at most. One-shot clients (a new conversation per call) would
 * otherwise keep one entry per call until the idle timeout; past this cap the least recently
 * active session ends early, as if idle.
 */
export const MAX_OPEN_SESSIONS = 10_000;

export type SessionEndListener = (sessionId: string, reason: SessionEndReason) => void;

interface OpenSession {
  id: string;
  lastActivity: number;
  nextSeq: number;
  prefixHash: string | null;
  client: string | null;
}

/**
 * Session identity and boundaries. With `X-Session-Id` the client decides. Without it, a request
 * whose conversation extends an open session's last main request (same items plus new ones)
 * continues that session; a side call that continues nothing joins the client's most recent open
 * session; anything else starts a new session. Sessions end explicitly or after idling.
 */
export class SessionTracker {
  /** Open sessions, least recently active first (a session moves to the end when it is used). */
  private readonly open = new Map<string, OpenSession>();
  /** Last main request's full-conversation hash → open session. */
  private readonly byPrefix = new Map<string, string>();
  private readonly listeners: SessionEndListener[] = [];
  private readonly endTx: (ids: readonly string[], reason: SessionEndReason, now: number) => string[];

  constructor(
    private readonly repo: SessionRepository,
    db: Db,
    private readonly idleTimeoutMs: number,
  ) {
    this.endTx = db.transaction((ids: readonly string[], reason: SessionEndReason, now: number) =>
      ids.filter((id) => {
        this.forget(id);
        return this.repo.end(id, reason, now);
      }),
    );
    const restored = repo.listOpen().sort((a, b) => a.lastActivityAt - b.lastActivityAt);
    for (const s of restored)
      this.remember(s.id, s.lastActivityAt, this.maxSeq(s.id) + 1, s.prefixHash, s.client);
  }

  onEnded(listener: SessionEndListener): void {
    this.listeners.push(listener);
  }

  resolve(input: ResolveInput): SessionAssignment {
    const { now } = input;
    let session: OpenSession | undefined;
    const persist: SessionWrite = {};
    const full = input.prefixHashes.at(-1) ?? null;
    if (input.headerId) {
      session = this.open.get(input.headerId);
      if (!session) {
        // A header naming a session that already ended keeps recording under it; a new id starts one.
        if (!this.repo.get(input.headerId)) {
          persist.create = { source: 'header', client: input.client, at: now };
        }
        session = this.remember(input.headerId, now, this.maxSeq(input.headerId) + 1, null, input.client);
      }
    } else {
      session = this.findByPrefix(input.prefixHashes);
      if (!session && input.kind === 'side') session = this.mostRecent(input.client);
      if (!session) {
        session = this.remember(uuidv7(), now, 1, null, input.client);
        persist.create = { source: 'inferred', client: input.client, at: now };
      }
    }
    session.lastActivity = now;
    // Keep the map in activity order: eviction and idle sweeps then read only its front.
    this.open.delete(session.id);
    this.open.set(session.id, session);
    if (this.open.size > MAX_OPEN_SESSIONS) this.evictLeastRecent(now);
    const seq = session.nextSeq++;
    if (input.kind === 'main' && full && !input.headerId) {
      this.setPrefix(session, full);
      persist.prefix = { hash: full, len: input.prefixHashes.length };
    }
    return { sessionId: session.id, seq, persist };
  }

  /** Close a session (idempotent). Listeners run after the row is updated. */
  end(sessionId: string, reason: SessionEndReason, now = Date.now()): boolean {
    return this.endMany([sessionId], reason, now).length === 1;
  }

  /**
   * Close several sessions in one transaction (one commit, not one per session); returns those
   * this call closed. Listeners run after the commit.
   */
  endMany(ids: readonly string[], reason: SessionEndReason, now = Date.now()): string[] {
    const closed = this.endTx(ids, reason, now);
    for (const id of closed) for (const l of this.listeners) l(id, reason);
    return closed;
  }

  /** Drop a session from memory. */
  private forget(id: string): void {
    const s = this.open.get(id);
    if (!s) return;
    this.open.delete(id);
    // Another session may have taken the same conversation hash since; keep its entry.
    if (s.prefixHash && this.byPrefix.get(s.prefixHash) === id) this.byPrefix.delete(s.prefixHash);
  }

  /** End every session idle for longer than the timeout; returns the ids ended. */
  sweepIdle(now = Date.now()): string[] {
    const idle: string[] = [];
    for (const s of this.open.values()) {
      if (now - s.lastActivity < this.idleTimeoutMs) break; // the rest were active later
      idle.push(s.id);
    }
    return idle.length > 0 ? this.endMany(idle, 'idle', now) : [];
  }

  /** Sessions open in memory. */
  get openCount(): number {
    return this.open.size;
  }

  /**
   * Over the cap: end the least recently active tenth at once (as if idle), read off the front of
   * the activity-ordered map: no sort, and one commit per tenth instead of one per request.
   */
  private evictLeastRecent(now: number): void {
    const oldest: string[] = [];
    const n = Math.ceil(MAX_OPEN_SESSIONS / 10);
    for (const id of this.open.keys()) {
      if (oldest.length === n) break;
      oldest.push(id);
    }
    this.endMany(oldest, 'idle', now);
  }

  private findByPrefix(hashes: string[]): OpenSession | undefined {
    // Longest strict prefix first: the request must add at least one item.
    for (let k = hashes.length - 2; k >= 0; k--) {
      const id = this.byPrefix.get(hashes[k]!);
      if (id) return this.open.get(id);
    }
    return undefined;
  }

  private mostRecent(client: string | null): OpenSession | undefined {
    let best: OpenSession | undefined;
    for (const s of this.open.values()) {
      if (s.client !== client) continue;
      if (!best || s.lastActivity > best.lastActivity) best = s;
    }
    return best;
  }

  private setPrefix(s: OpenSession, hash: string): void {
    if (s.prefixHash && this.byPrefix.get(s.prefixHash) === s.id) this.byPrefix.delete(s.prefixHash);
    s.prefixHash = hash;
    this.byPrefix.set(hash, s.id);
  }

  private remember(
    id: string,
    lastActivity: number,
    nextSeq: number,
    prefixHash: string | null,
    client: string | null,
  ) {
    const s: OpenSession = { id, lastActivity, nextSeq, prefixHash, client };
    this.open.set(id, s);
    if (prefixHash) this.byPrefix.set(prefixHash, id);
    return s;
  }

  private maxSeq(id: string): number {
    return this.repo.maxTurnSeq(id);
  }

  /**
   * An agent says this session has started (`POST /v1/admin/sessions/:id/start`, e.g. from Claude
   * Code's SessionStart hook): from now on it is an open session of `client`, so that client's side
   * calls without an id can join it, and the idle timeout counts from now. A new id gets its row; a
   * session that ended (a resumed conversation) is held open again, as a request naming it would be.
   * Returns true when the row is new.
   */
  declare(id: string, client: string | null, now = Date.now()): boolean {
    let session = this.open.get(id);
    let created = false;
    if (!session) {
      if (!this.repo.get(id)) {
        this.repo.create(id, 'header', client, now);
        created = true;
      }
      session = this.remember(id, now, this.maxSeq(id) + 1, null, client);
    }
    session.client ??= client;
    session.lastActivity = now;
    this.open.delete(id);
    this.open.set(id, session);
    this.repo.touch(id, now);
    if (this.open.size > MAX_OPEN_SESSIONS) this.evictLeastRecent(now);
    return created;
  }
}
