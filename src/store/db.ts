import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from './migrations/index.js';

export type Db = Database.Database;

/** SQLite's automatic checkpoint threshold, as WAL bytes; see checkpointer.ts. */
export const WAL_AUTOCHECKPOINT_BYTES = 16 * 1024 * 1024;

/** Set the automatic checkpoint threshold in bytes (SQLite counts pages, whose size varies per store). */
export function setWalAutocheckpoint(db: Db, bytes: number): void {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.pragma(`wal_autocheckpoint = ${Math.ceil(bytes / pageSize)}`);
}

/** Page size of a newly created store; see openStore. */
export const STORE_PAGE_SIZE = 8192;

export class StoreError extends Error {
  readonly code = 'store_error';
}

/**
 * Open (creating if needed) the SQLite store in WAL mode and run pending migrations.
 * WAL + synchronous=NORMAL: a committed transaction survives a process crash (kill -9);
 * only an OS crash or power loss can drop the last few commits.
 */
export function openStore(file: string): Db {
  if (file !== ':memory:') restrictStoreFiles(file);
  let db: Db;
  try {
    db = new Database(file);
  } catch (err) {
    throw new StoreError(`cannot open store ${file}: ${(err as Error).message}`);
  }
  // Only takes effect on a new, empty store (an existing one keeps its page size). A turn row is
  // ~2–4 KB (request + response JSON): 4 KB pages hold one each, 8 KB pages two or three, so each
  // commit writes fewer WAL frames and the file wastes less (measured in bench/proxy.ts).
  db.pragma(`page_size = ${STORE_PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Checkpoints normally run in the gaps between requests or on a worker (checkpointer.ts); this
  // threshold bounds the WAL should neither happen.
  setWalAutocheckpoint(db, WAL_AUTOCHECKPOINT_BYTES);
  // better-sqlite3 builds SQLite with a 16 MB page cache per connection, which a long-running
  // proxy filled with pages it only ever appended (RSS kept growing for thousands of turns).
  // Writes land at the right edge of each index, so SQLite's stock 2 MB serves as fast.
  db.pragma('cache_size = -2000');
  migrate(db);
  // A -wal/-shm left by an older version keeps its own mode; new ones copy the main file's.
  if (file !== ':memory:') for (const f of SIDE_FILES) chmodIfExists(file + f, 0o600);
  return db;
}

const SIDE_FILES = ['-wal', '-shm', '-journal'];

/**
 * The store holds every prompt and answer: its folder is 0700 and its files 0600, on creation and
 * whenever an existing store is opened. SQLite creates -wal/-shm with the main file's mode, so the
 * main file is created (empty, which SQLite accepts) with 0600 before SQLite opens it.
 */
function restrictStoreFiles(file: string): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodIfExists(dir, 0o700);
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  chmodIfExists(file, 0o600);
  for (const f of SIDE_FILES) chmodIfExists(file + f, 0o600);
}

function chmodIfExists(p: string, mode: number): void {
  try {
    if ((fs.statSync(p).mode & 0o777) !== mode) fs.chmodSync(p, mode);
  } catch (err) {
    // Missing, or not ours to change (a shared folder owned by someone else): leave it.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EPERM') throw err;
  }
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let i = current; i < migrations.length; i++) {
    const m = migrations[i]!;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}

/** A quick health probe for /healthz and `status`. */
/** SQLite's own consistency check of the whole file (doctor). */
export function storeIntact(db: Db): boolean {
  return storeHealthy(db) && (db.pragma('quick_check', { simple: true }) as string) === 'ok';
}

export function storeHealthy(db: Db): boolean {
  try {
    return (db.prepare('SELECT 1 AS ok').get() as { ok: number }).ok === 1;
  } catch {
    return false;
  }
}
