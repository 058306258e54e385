import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../config/edit.js';
import { findRecord, updateRecord } from './state.js';
import type { AgentId, IntegrationContext, WiringStatus } from './types.js';

/**
 * How one agent edits its config file. `apply` and `revert` are pure text → text functions, so
 * the round trips are unit-testable without any file system.
 */
export interface FileEdit<U> {
  /** New text plus undo data. `text` is null when the file does not exist; `last` is the undo data of a previous install. */
  apply(text: string | null, last: U | null): { text: string; undo: U };
  /** Remove our wiring from a file someone else has edited since. Null = delete the file. */
  revert(text: string, undo: U, existedBefore: boolean): string | null;
  /** Does the text still carry our wiring? */
  present(text: string, undo: U): boolean;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Keep the file's own mode (a user's 0600 stays 0600); new files get 0600 since they hold keys. */
function writeKeepingMode(file: string, text: string): void {
  let mode = 0o600;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {}
  writeFileAtomic(file, text, mode);
}

function backupPath(file: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  let candidate = `${file}.metaclaw-backup-${stamp}`;
  for (let n = 2; fs.existsSync(candidate); n++) candidate = `${file}.metaclaw-backup-${stamp}-${n}`;
  return candidate;
}

export type InstallOutcome = 'installed' | 'updated' | 'unchanged';

/**
 * Wire an agent by editing `file`. The first install copies the file aside byte for byte and
 * remembers the previous values; installing again re-applies without forgetting them, so
 * installing twice is the same as installing once.
 */
export function installFile<U>(
  ctx: IntegrationContext,
  agent: AgentId,
  file: string,
  edit: FileEdit<U>,
): InstallOutcome {
  const rec = findRecord(ctx.metaclawHome, agent, ctx.userHome);
  const last = rec && path.resolve(rec.file) === path.resolve(file) ? rec : undefined;
  const dir = path.dirname(file);
  const createdDir = last ? (last.createdDir ?? null) : fs.existsSync(dir) ? null : dir;
  const text = readIfExists(file);
  const next = edit.apply(text, (last?.undo as U | undefined) ?? null);
  if (last) {
    if (next.text === text) return 'unchanged';
    const untouched = text !== null && sha256(text) === last.writtenHash;
    writeKeepingMode(file, next.text);
    updateRecord(ctx.metaclawHome, agent, {
      ...last,
      writtenHash: sha256(next.text),
      backupExact: last.backupExact && untouched,
      undo: next.undo,
    });
    return 'updated';
  }
  let backup: string | null = null;
  if (text !== null) {
    backup = backupPath(file, new Date());
    fs.copyFileSync(file, backup);
    ctx.say(`backed up ${file} to ${backup}`);
  }
  writeKeepingMode(file, next.text);
  updateRecord(ctx.metaclawHome, agent, {
    agent,
    file,
    installedAt: new Date().toISOString(),
    existedBefore: text !== null,
    backup,
    writtenHash: sha256(next.text),
    backupExact: true,
    undo: next.undo,
    createdDir,
  });
  return 'installed';
}

/**
 * The agent's own command changed the file on MetaClaw's behalf (e.g. `openclaw plugins install`
 * wrote its plugin entry): take the result as what MetaClaw wrote, so that removal still puts
 * the pre-install copy back byte for byte when nobody else touches the file afterwards. `before`
 * is the file just before the command ran; if someone had edited it by then, the backup is no
 * longer exact. `undo` updates the undo data (e.g. to remember what the command added).
 */
export function adoptExternalEdit<U>(
  ctx: IntegrationContext,
  agent: AgentId,
  before: string | null,
  undo: (last: U) => U = (u) => u,
): void {
  const rec = findRecord(ctx.metaclawHome, agent, ctx.userHome);
  if (!rec) return;
  const text = readIfExists(rec.file);
  if (text === null) return;
  const untouched = before !== null && sha256(before) === rec.writtenHash;
  updateRecord(ctx.metaclawHome, agent, {
    ...rec,
    writtenHash: sha256(text),
    backupExact: rec.backupExact && untouched,
    undo: undo(rec.undo as U),
  });
}

export type RemoveOutcome = 'not-wired' | 'restored-backup' | 'reverted' | 'file-gone';
export interface RemoveResult {
  outcome: RemoveOutcome;
  file: string | null;
  /** The pre-install copy, when it is kept (after an in-place revert). */
  backup: string | null;
}

/**
 * Unwire. When nobody touched the file since we wrote it, the pre-install backup is put back:
 * byte-identical, comments and formatting included. Otherwise `edit.revert` removes only our
 * entries and restores the remembered previous values, keeping the other edits.
 */
export function removeFile<U>(ctx: IntegrationContext, agent: AgentId, edit: FileEdit<U>): RemoveResult {
  const rec = findRecord(ctx.metaclawHome, agent, ctx.userHome);
  if (!rec) return { outcome: 'not-wired', file: null, backup: null };
  const done = (outcome: RemoveOutcome, backup: string | null = null): RemoveResult => {
    updateRecord(ctx.metaclawHome, agent, null, rec.file);
    // A folder the install created (e.g. ~/.claude) goes too, if nothing else is in it now.
    if (rec.createdDir && !fs.existsSync(rec.file))
      try {
        fs.rmdirSync(rec.createdDir);
      } catch {}
    return { outcome, file: rec.file, backup };
  };
  const text = readIfExists(rec.file);
  if (text === null) return done('file-gone', rec.backup);
  const untouched = sha256(text) === rec.writtenHash && rec.backupExact;
  if (untouched && !rec.existedBefore) {
    fs.rmSync(rec.file);
    return done('restored-backup');
  }
  if (untouched && rec.backup && fs.existsSync(rec.backup)) {
    // Bytes, not a re-serialisation: comments, key order and whitespace come back as they were.
    writeKeepingMode(rec.file, fs.readFileSync(rec.backup, 'utf8'));
    fs.rmSync(rec.backup);
    return done('restored-backup');
  }
  const out = edit.revert(text, rec.undo as U, rec.existedBefore);
  if (out === null) fs.rmSync(rec.file);
  else writeKeepingMode(rec.file, out);
  return done('reverted', rec.backup);
}

export function fileStatus<U>(ctx: IntegrationContext, agent: AgentId, edit: FileEdit<U>): WiringStatus {
  const rec = findRecord(ctx.metaclawHome, agent, ctx.userHome);
  if (!rec) return { wired: false, drifted: false, detail: 'not wired' };
  const text = readIfExists(rec.file);
  if (text === null) return { wired: false, drifted: true, detail: `${rec.file} is missing` };
  let present = false;
  try {
    present = edit.present(text, rec.undo as U);
  } catch (err) {
    return { wired: false, drifted: true, detail: `${rec.file}: ${(err as Error).message}` };
  }
  return present
    ? { wired: true, drifted: false, detail: `wired in ${rec.file}` }
    : { wired: false, drifted: true, detail: `${rec.file} no longer points at MetaClaw` };
}

/** Human summary of a removal, shared by every file-based agent. */
export function describeRemoval({ outcome, file, backup }: RemoveResult): string {
  switch (outcome) {
    case 'not-wired':
      return 'not wired by MetaClaw: nothing to undo';
    case 'file-gone':
      return `${file} no longer exists: nothing to restore`;
    case 'restored-backup':
      return `restored ${file} exactly as it was`;
    case 'reverted':
      return `removed MetaClaw from ${file} and restored the previous settings (the file changed since MetaClaw wrote it, so it was edited in place${backup ? `; the original is kept at ${backup}` : ''})`;
  }
}
