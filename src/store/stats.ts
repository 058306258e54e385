import fs from 'node:fs';
import type { Db } from './db.js';

/** `metaclaw store stats`: what the store holds and what its bodies cost. */
export interface StoreStats {
  /** The SQLite file and its -wal, as on disk. */
  fileBytes: number;
  walBytes: number;
  /** Pages SQLite keeps free for reuse (VACUUM would return them to the disk). */
  freeBytes: number;
  turns: number;
  prunedTurns: number;
  /** Turns whose bodies are still inline (written before migration 009). */
  inlineTurns: number;
  inlineBytes: number;
  /** Bodies as received/sent/answered, summed over turns stored as parts (what inline would hold). */
  logicalBytes: number;
  parts: number;
  partRawBytes: number;
  /** Parts as stored (compressed where it paid). */
  partStoredBytes: number;
  /** Part manifests kept on the turns. */
  manifestBytes: number;
}

export function storeStats(db: Db, file: string): StoreStats {
  const size = (f: string) => {
    try {
      return fs.statSync(f).size;
    } catch {
      return 0;
    }
  };
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  const t = db
    .prepare(
      `SELECT COUNT(*) AS turns, COALESCE(SUM(pruned_at IS NOT NULL), 0) AS pruned,
              COALESCE(SUM(request_ref IS NULL AND pruned_at IS NULL), 0) AS inline_turns,
              COALESCE(SUM(CASE WHEN request_ref IS NULL AND pruned_at IS NULL THEN
                length(CAST(request_json AS BLOB)) + COALESCE(length(CAST(upstream_request_json AS BLOB)), 0)
                + COALESCE(length(CAST(response_json AS BLOB)), 0) END), 0) AS inline_bytes,
              COALESCE(SUM(CASE WHEN request_ref IS NOT NULL THEN body_bytes END), 0) AS logical,
              COALESCE(SUM(length(request_ref) + COALESCE(length(upstream_ref), 0) + COALESCE(length(response_ref), 0)), 0)
                AS manifests
       FROM turns`,
    )
    .get() as {
    turns: number;
    pruned: number;
    inline_turns: number;
    inline_bytes: number;
    logical: number;
    manifests: number;
  };
  const p = db
    .prepare(
      `SELECT COUNT(*) AS n, COALESCE(SUM(p.raw_bytes), 0) AS raw, COALESCE(SUM(length(b.body)), 0) AS stored
       FROM turn_parts p JOIN turn_part_bodies b ON b.id = p.id`,
    )
    .get() as { n: number; raw: number; stored: number };
  return {
    fileBytes: file === ':memory:' ? 0 : size(file),
    walBytes: file === ':memory:' ? 0 : size(`${file}-wal`),
    freeBytes: free * pageSize,
    turns: t.turns,
    prunedTurns: t.pruned,
    inlineTurns: t.inline_turns,
    inlineBytes: t.inline_bytes,
    logicalBytes: t.logical,
    parts: p.n,
    partRawBytes: p.raw,
    partStoredBytes: p.stored,
    manifestBytes: t.manifests,
  };
}
