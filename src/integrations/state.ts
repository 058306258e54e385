import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../config/edit.js';
import type { AgentId } from './types.js';

/** What MetaClaw remembers about one agent it wired, so removal restores the file exactly. */
export interface WiringRecord {
  agent: AgentId;
  /** The agent config file we edited. */
  file: string;
  installedAt: string;
  /** The file existed before the first install (else removal deletes it). */
  existedBefore: boolean;
  /** Byte copy of the file as it was before the first install (null when it did not exist). */
  backup: string | null;
  /** sha256 of what we last wrote: when the file still hashes to it, nobody else edited it. */
  writtenHash: string;
  /**
   * The backup still equals "the current file minus our edits". False once we re-applied on top
   * of someone else's edits: restoring the backup then would undo their changes too.
   */
  backupExact: boolean;
  /** Agent-specific undo data (previous values, what we wrote, containers we created). */
  undo: unknown;
  /** The folder holding `file` did not exist before the first install: removal takes it out when empty. */
  createdDir?: string | null;
}

export type WiringState = Partial<Record<AgentId, WiringRecord>>;

export function stateFile(metaclawHome: string): string {
  return path.join(metaclawHome, 'integrations.json');
}

/**
 * Every wiring record: one per agent config file, so the same agent wired for several users
 * (several HOMEs) can each be unwired. Version 1 files kept one record per agent.
 */
export function loadRecords(metaclawHome: string): WiringRecord[] {
  const file = stateFile(metaclawHome);
  if (!fs.existsSync(file)) return [];
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      agents?: WiringState;
      records?: WiringRecord[];
    };
    return parsed.records ?? Object.values(parsed.agents ?? {}).filter((r): r is WiringRecord => !!r);
  } catch (err) {
    throw new Error(
      `${file} is not valid JSON (${(err as Error).message}); it records how to unwire your agents, so fix or remove it by hand`,
    );
  }
}

/** True when `file` lies under the user home `userHome`. */
export function underHome(file: string, userHome: string): boolean {
  const home = path.resolve(userHome);
  return path.resolve(file).startsWith(home.endsWith(path.sep) ? home : home + path.sep);
}

/**
 * The wired agents, one record each: for `userHome`, the records of files under it; without it,
 * the latest record of each agent.
 */
export function loadWiringState(metaclawHome: string, userHome?: string): WiringState {
  const state: WiringState = {};
  for (const r of loadRecords(metaclawHome))
    if (userHome === undefined || underHome(r.file, userHome)) state[r.agent] = r;
  return state;
}

/** The record for one agent's config file under `userHome`. */
export function findRecord(metaclawHome: string, agent: AgentId, userHome: string): WiringRecord | undefined {
  return loadRecords(metaclawHome).find((r) => r.agent === agent && underHome(r.file, userHome));
}

/** 0600: the records hold copies of settings that may include keys. */
export function saveRecords(metaclawHome: string, records: WiringRecord[]): void {
  writeFileAtomic(stateFile(metaclawHome), `${JSON.stringify({ version: 2, records }, null, 2)}\n`, 0o600);
}

/** Replace (or with `rec` null, drop) the record of `agent` for `file`. */
export function updateRecord(
  metaclawHome: string,
  agent: AgentId,
  rec: WiringRecord | null,
  file: string | undefined = rec?.file,
): void {
  const records = loadRecords(metaclawHome).filter(
    (r) => !(r.agent === agent && file !== undefined && path.resolve(r.file) === path.resolve(file)),
  );
  if (rec) records.push(rec);
  saveRecords(metaclawHome, records);
}
