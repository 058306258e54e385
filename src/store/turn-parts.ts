import crypto from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Db } from './db.js';
import {
  decodeManifest,
  encodeDelta,
  encodeManifest,
  HOLE,
  joinJson,
  type Manifest,
  splitJson,
} from './json-parts.js';

/** Parts at least this long are compressed (when it saves at least an eighth). */
export const COMPRESS_MIN_BYTES = 1024;
const ENC_UTF8 = 0;
/**
 * Raw deflate (zlib level 6). Brotli q5 compressed agent JSON no better here and its per-call
 * setup cost ~0.3 ms on a 1 KB message, more than the rest of a turn's write.
 */
const ENC_DEFLATE = 1;

/** The three bodies of a turn as columns: inline text (old rows, or none) or a manifest. */
export interface TurnBodyColumns {
  request_json: string;
  upstream_request_json: string | null;
  response_json: string | null;
  request_ref: Uint8Array | null;
  upstream_ref: Uint8Array | null;
  response_ref: Uint8Array | null;
}

/** What is written for a new turn: the columns and the bodies' UTF-8 size. */
export interface EncodedTurnBodies extends TurnBodyColumns {
  body_bytes: number | null;
}

export interface TurnBodies {
  requestJson: string;
  upstreamRequestJson: string | null;
  responseJson: string | null;
}

/**
 * Caches of one store connection, shared by every TurnPartStore on it (the recorder's
 * repository, the dashboard's reads, retention), so retention can tell the writer what changed.
 */
interface PartCaches {
  /**
   * Part text → id of parts referenced lately: the next call of a session repeats them, and
   * hashing its 100+ KB again cost more than the rest of the write (bench/storage.ts). Ids are
   * never reused (AUTOINCREMENT), so an entry for a part collected since changes no row.
   */
  byText: Map<string, { id: number; key: string }>;
  chars: number;
  /** Session → the part ids its turns reference (loaded from its manifests when first needed). */
  held: Map<string, Set<number>>;
  /** Session → its last request's parts and ids (the next call repeats most of them, in order). */
  last: Map<string, Resolved>;
}
/** Parts and the ids they were stored under. */
interface Resolved {
  parts: string[];
  ids: number[];
}
const cachesByDb = new WeakMap<Db, PartCaches>();
/** Characters of part text kept in the id cache (a few sessions' tool lists and histories). */
const CACHE_CHARS = 4 * 1024 * 1024;
/** Sessions whose referenced part ids are kept in memory (the ones being written to). */
const HELD_SESSIONS = 64;
/** Sessions whose last request (its text stays alive through its parts) is kept for the next call. */
const LAST_SESSIONS = 16;

/**
 * Content-addressed storage of turn bodies (migration 009): each distinct part is stored once.
 * `refs` counts the SESSIONS whose turns reference a part, not the turns: a call of a session
 * references everything its previous call did, so only its new parts cost a write. Retention
 * therefore releases whole sessions. Methods that write run inside the caller's transaction
 * (TurnRepository's insert, retention's prune); if that transaction fails, call `forgetAll()`.
 */
export class TurnPartStore {
  private readonly bumpId;
  private readonly byHash;
  private readonly insertPart;
  private readonly insertBody;
  private readonly release;
  private readonly bodyById;
  private readonly sessionRefs;
  private readonly caches: PartCaches;

  constructor(private readonly db: Db) {
    let caches = cachesByDb.get(db);
    if (!caches) {
      caches = { byText: new Map(), chars: 0, held: new Map(), last: new Map() };
      cachesByDb.set(db, caches);
    }
    this.caches = caches;
    this.byHash = db.prepare('SELECT id FROM turn_parts WHERE hash = ?');
    this.bumpId = db.prepare('UPDATE turn_parts SET refs = refs + 1 WHERE id = ?');
    this.insertPart = db.prepare('INSERT INTO turn_parts (hash, refs, raw_bytes) VALUES (?, 1, ?)');
    this.insertBody = db.prepare('INSERT INTO turn_part_bodies (id, enc, body) VALUES (?, ?, ?)');
    this.release = db.prepare('UPDATE turn_parts SET refs = refs - 1 WHERE id = ?');
    this.bodyById = db.prepare('SELECT enc, body FROM turn_part_bodies WHERE id = ?');
    this.sessionRefs = db.prepare(
      'SELECT request_ref, upstream_ref, response_ref FROM turns WHERE session_id = ? AND request_ref IS NOT NULL',
    );
  }

  /** The columns to store for a new turn of `sessionId`; references the parts it uses. */
  encode(sessionId: string, b: TurnBodies): EncodedTurnBodies {
    const held = this.heldBy(sessionId);
    // Within a turn, the as-sent request repeats most of the as-received one: resolve each text once.
    const seen = new Map<string, number>();
    const last = this.caches.last;
    const previous = last.get(sessionId);
    const req = this.put(b.requestJson, true, held, seen, previous);
    last.delete(sessionId);
    last.set(sessionId, { parts: req.parts, ids: req.ids });
    for (const k of last.keys()) {
      if (last.size <= LAST_SESSIONS) break;
      last.delete(k);
    }
    let upstream: Uint8Array | null = null;
    if (b.upstreamRequestJson !== null) {
      const sent = this.put(b.upstreamRequestJson, true, held, seen, req);
      upstream = encodeDelta(sent, req);
    }
    return {
      request_json: '',
      upstream_request_json: null,
      response_json: null,
      request_ref: encodeManifest(req),
      upstream_ref: upstream,
      // A response is new every turn: one part, compressed when large, no split.
      response_ref:
        b.responseJson === null ? null : encodeManifest(this.put(b.responseJson, false, held, seen)),
      body_bytes:
        Buffer.byteLength(b.requestJson) +
        (b.upstreamRequestJson === null ? 0 : Buffer.byteLength(b.upstreamRequestJson)) +
        (b.responseJson === null ? 0 : Buffer.byteLength(b.responseJson)),
    };
  }

  /** The bodies back, byte for byte. `cache` (part id → text) spares re-reading a session's shared parts. */
  decode(c: TurnBodyColumns, cache: Map<number, string> = new Map()): TurnBodies {
    if (c.request_ref === null) {
      return {
        requestJson: c.request_json,
        upstreamRequestJson: c.upstream_request_json,
        responseJson: c.response_json,
      };
    }
    const req = decodeManifest(c.request_ref);
    return {
      requestJson: this.join(req, cache),
      upstreamRequestJson: c.upstream_ref ? this.join(decodeManifest(c.upstream_ref, req), cache) : null,
      responseJson: c.response_ref ? this.join(decodeManifest(c.response_ref), cache) : null,
    };
  }

  /**
   * Release a session's references (its turns' bodies are being removed, in the same
   * transaction); returns the part ids released. Its parts no other session uses become garbage.
   */
  releaseSession(sessionId: string): Set<number> {
    const ids = this.sessionPartIds(sessionId);
    for (const id of ids) this.release.run(id);
    this.caches.held.delete(sessionId);
    this.caches.last.delete(sessionId);
    return ids;
  }

  /** Drop every cache of this connection: after a failed transaction they may name rows that are not there. */
  forgetAll(): void {
    this.caches.byText.clear();
    this.caches.chars = 0;
    this.caches.held.clear();
    this.caches.last.clear();
  }

  /** Delete the parts no session references any more; returns how many and their stored bytes. */
  collectGarbage(): { parts: number; bytes: number } {
    return this.db.transaction(() => {
      const freed = this.db
        .prepare(
          `SELECT COUNT(*) AS parts, COALESCE(SUM(length(b.body)), 0) AS bytes
           FROM turn_parts p JOIN turn_part_bodies b ON b.id = p.id WHERE p.refs = 0`,
        )
        .get() as { parts: number; bytes: number };
      this.db
        .prepare('DELETE FROM turn_part_bodies WHERE id IN (SELECT id FROM turn_parts WHERE refs = 0)')
        .run();
      this.db.prepare('DELETE FROM turn_parts WHERE refs = 0').run();
      return freed;
    })();
  }

  /** The part ids a session's stored turns reference, from memory or its manifests. */
  private heldBy(sessionId: string): Set<number> {
    const held = this.caches.held;
    let ids = held.get(sessionId);
    if (ids) held.delete(sessionId);
    else ids = this.sessionPartIds(sessionId);
    held.set(sessionId, ids); // most recently used last
    for (const k of held.keys()) {
      if (held.size <= HELD_SESSIONS) break;
      held.delete(k);
    }
    return ids;
  }

  /** The part ids a session's stored turns reference (read from their manifests). */
  sessionPartIds(sessionId: string): Set<number> {
    const ids = new Set<number>();
    for (const row of this.sessionRefs.iterate(sessionId) as Iterable<TurnBodyColumns>)
      for (const id of referencedIds(row)) ids.add(id);
    return ids;
  }

  /**
   * Split a body and resolve its parts to ids. `like` (the session's previous request, or this
   * turn's as-received request for the as-sent one) is tried first, aligned from the start and
   * from the end: comparing two strings is a memcmp, while a Map lookup hashes every character,
   * which made the repeated history the costliest part of a write. Ids in `like` are held by
   * the session already.
   */
  private put(
    text: string,
    split: boolean,
    held: Set<number>,
    seen: Map<string, number>,
    like?: Resolved,
  ): Manifest & Resolved {
    const { skeleton, parts } = split ? splitJson(text) : { skeleton: HOLE, parts: [text] };
    const n = parts.length;
    const ids = parts.map((p, j) => {
      if (like) {
        const m = like.parts.length;
        if (j < m && like.parts[j] === p) return like.ids[j]!;
        const k = m - (n - j);
        if (k >= 0 && like.parts[k] === p) return like.ids[k]!;
      }
      let id = seen.get(p);
      if (id === undefined) {
        id = this.ref(p, held);
        seen.set(p, id);
      }
      return id;
    });
    return { skeleton, ids, parts };
  }

  /** The id of one part, counting a reference for the session when it is new to it. */
  private ref(text: string, held: Set<number>): number {
    const c = this.caches;
    const known = c.byText.get(text);
    if (known !== undefined) {
      c.byText.delete(known.key);
      // Held by this session: the part exists and is counted. Otherwise count it, if it still exists.
      if (held.has(known.id) || this.bumpId.run(known.id).changes === 1) {
        held.add(known.id);
        c.byText.set(known.key, known); // most recently used last
        return known.id;
      }
      c.chars -= known.key.length;
    }
    const raw = Buffer.from(text, 'utf8');
    const hash = crypto.createHash('sha256').update(raw).digest();
    const row = this.byHash.get(hash) as { id: number } | undefined;
    let id: number;
    if (!row) id = this.insert(raw, hash);
    else {
      id = row.id;
      if (!held.has(id)) this.bumpId.run(id);
    }
    held.add(id);
    this.remember(raw, id);
    return id;
  }

  private insert(raw: Buffer, hash: Buffer): number {
    const id = Number(this.insertPart.run(hash, raw.length).lastInsertRowid);
    let enc = ENC_UTF8;
    let body: Buffer = raw;
    if (raw.length >= COMPRESS_MIN_BYTES) {
      const z = deflateRawSync(raw);
      if (z.length <= raw.length - raw.length / 8) {
        enc = ENC_DEFLATE;
        body = z;
      }
    }
    this.insertBody.run(id, enc, body);
    return id;
  }

  private remember(raw: Buffer, id: number): void {
    if (raw.length > CACHE_CHARS / 4) return;
    const c = this.caches;
    // A fresh copy: the part is a slice of the whole request, which must not stay alive with it.
    const key = raw.toString('utf8');
    c.byText.set(key, { id, key });
    c.chars += key.length;
    for (const [k, v] of c.byText) {
      if (c.chars <= CACHE_CHARS) break;
      c.byText.delete(k);
      c.chars -= v.key.length;
    }
  }

  private join(m: Manifest, cache: Map<number, string>): string {
    return joinJson(
      m.skeleton,
      m.ids.map((id) => this.text(id, cache)),
    );
  }

  private text(id: number, cache: Map<number, string>): string {
    const hit = cache.get(id);
    if (hit !== undefined) return hit;
    const row = this.bodyById.get(id) as { enc: number; body: Buffer } | undefined;
    if (!row) throw new Error(`turn part ${id} is missing from the store`);
    const text = (row.enc === ENC_DEFLATE ? inflateRawSync(row.body) : row.body).toString('utf8');
    cache.set(id, text);
    return text;
  }
}

/** The distinct part ids a turn's manifests reference (a turn holds one reference to each). */
export function referencedIds(
  c: Pick<TurnBodyColumns, 'request_ref' | 'upstream_ref' | 'response_ref'>,
): Set<number> {
  if (!c.request_ref) return new Set();
  const req = decodeManifest(c.request_ref);
  const ids = new Set(req.ids);
  if (c.upstream_ref) for (const id of decodeManifest(c.upstream_ref, req).ids) ids.add(id);
  if (c.response_ref) for (const id of decodeManifest(c.response_ref).ids) ids.add(id);
  return ids;
}
