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
}

export type WiringState = Partial<Record<AgentId, WiringRecord>>;

export function stateFile(metaclawHome: string): string {
  return path.join(metaclawHome, 'integrations.json');
}

export function loadWiringState(metaclawHome: string): WiringState {
  const file = stateFile(metaclawHome);
  if (!fs.existsSync(file)) return {};
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { agents?: WiringState };
    return parsed.agents ?? {};
  } catch (err) {
    throw new Error(
      `${file} is not valid JSON (${(err as Error).message}); it records how to unwire your agents, so fix or remove it by hand`,
    );
  }
}

/** 0600: the records hold copies of settings that may include keys. */
export function saveWiringState(metaclawHome: string, state: WiringState): void {
  writeFileAtomic(
    stateFile(metaclawHome),
    `${JSON.stringify({ version: 1, agents: state }, null, 2)}\n`,
    0o600,
  );
}

export function updateRecord(metaclawHome: string, agent: AgentId, rec: WiringRecord | null): void {
  const state = loadWiringState(metaclawHome);
  if (rec) state[agent] = rec;
  else delete state[agent];
  saveWiringState(metaclawHome, state);
}
