import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openStore, STORE_PAGE_SIZE, WAL_AUTOCHECKPOINT_BYTES } from '../../../src/store/db.js';
import { tempHome } from '../../helpers/tmp.js';

describe('openStore', () => {
  const open: Db[] = [];
  afterEach(() => {
    for (const d of open.splice(0)) d.close();
  });

  it('creates a new store with 8 KB pages in WAL mode, and the checkpoint threshold in bytes', () => {
    const db = openStore(path.join(tempHome('metaclaw-db-'), 'metaclaw.db'));
    open.push(db);
    expect(db.pragma('page_size', { simple: true })).toBe(STORE_PAGE_SIZE);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(
      WAL_AUTOCHECKPOINT_BYTES / STORE_PAGE_SIZE,
    );
  });

  it('opens a store made with 4 KB pages as it is, keeping its rows, with the threshold in its own pages', () => {
    const file = path.join(tempHome('metaclaw-db-'), 'metaclaw.db');
    const old = new Database(file);
    old.pragma('page_size = 4096');
    old.pragma('journal_mode = WAL');
    old.exec("CREATE TABLE keep (x TEXT); INSERT INTO keep VALUES ('still here')");
    old.close();

    const db = openStore(file);
    open.push(db);
    expect(db.pragma('page_size', { simple: true })).toBe(4096);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(WAL_AUTOCHECKPOINT_BYTES / 4096);
    expect(db.prepare('SELECT x FROM keep').pluck().get()).toBe('still here');
    // Migrations ran on it as on a new store.
    expect(db.prepare('SELECT COUNT(*) FROM turns').pluck().get()).toBe(0);
  });
});

describe('store permissions (issue 17 point 2)', () => {
  const modeOf = (p: string) => fs.statSync(p).mode & 0o777;

  it('creates the store 0600 (with its -wal and -shm) in a 0700 folder', () => {
    const home = path.join(tempHome('metaclaw-perm-'), 'home');
    const file = path.join(home, 'metaclaw.db');
    const db = openStore(file);
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    expect(modeOf(home)).toBe(0o700);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(modeOf(f)).toBe(0o600);
    db.close();
  });

  it('tightens an existing world-readable store and its folder when it is opened', () => {
    const home = tempHome('metaclaw-perm-');
    const file = path.join(home, 'metaclaw.db');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE keep (x); INSERT INTO keep VALUES (1)');
    fs.chmodSync(home, 0o755);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.chmodSync(f, 0o644);
    const db = openStore(file);
    expect(modeOf(home)).toBe(0o700);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(modeOf(f)).toBe(0o600);
    db.close();
    old.close();
  });
});
