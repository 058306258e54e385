import fs from 'node:fs';
import path from 'node:path';
import type { BenchDay, BenchSet } from './dataset.js';

const DAY_DIR = /^day\d+$/;

/**
 * A fresh workspace per day, as the reference runner builds it: every root-level file and
 * non-day folder of `workspace_src` (the identity files), that day's folder only (named by the
 * test's id), and the checker scripts of `eval_dir/scripts` in `scripts/`.
 */
export function setupWorkspace(set: BenchSet, day: BenchDay, dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  if (fs.existsSync(set.workspaceSrc)) {
    for (const e of fs.readdirSync(set.workspaceSrc, { withFileTypes: true })) {
      const from = path.join(set.workspaceSrc, e.name);
      if (e.isDirectory()) {
        if (!DAY_DIR.test(e.name) || e.name === day.id)
          fs.cpSync(from, path.join(dir, e.name), { recursive: true });
      } else if (e.isFile()) fs.copyFileSync(from, path.join(dir, e.name));
    }
  }
  const scripts = path.join(set.evalDir, 'scripts');
  if (fs.existsSync(scripts)) fs.cpSync(scripts, path.join(dir, 'scripts'), { recursive: true });
  return dir;
}

/** The workspace files OpenClaw injects into its system prompt, in its order. */
export const BOOTSTRAP_FILES = [
  'AGENTS.md',
  'SOUL.md',
  'TOOLS.md',
  'IDENTITY.md',
  'USER.md',
  'HEARTBEAT.md',
  'BOOTSTRAP.md',
  'MEMORY.md',
];

/** System prompt from the workspace's bootstrap files, the way OpenClaw assembles its context. */
export function systemPrompt(workspace: string): string {
  const parts = [
    "You are a personal assistant running inside a workspace on the user's machine. " +
      'You can list, read, write and append files and run shell commands there with your tools.',
    `Workspace: ${workspace}`,
  ];
  const files = BOOTSTRAP_FILES.filter((f) => fs.existsSync(path.join(workspace, f)));
  if (files.length) parts.push('# Project Context');
  for (const f of files) {
    const text = fs.readFileSync(path.join(workspace, f), 'utf8').trim();
    if (text) parts.push(`## ${f}\n${text}`);
  }
  return parts.join('\n\n');
}

export interface SeedMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** The seed transcript's file, or null when the day names none. */
export function seedFile(set: BenchSet, day: BenchDay): string | null {
  if (!day.session) return null;
  return path.join(set.stateDir, 'agents', day.agent, 'sessions', `${day.session}.jsonl`);
}

/**
 * The user/assistant text messages of the day's seed transcript (OpenClaw session JSONL: a
 * `session` header, model/thinking events, then `message` events), in order. A missing file is
 * an empty history, as the reference runner starts the session from an empty file then.
 */
export function seedMessages(set: BenchSet, day: BenchDay): SeedMessage[] {
  const file = seedFile(set, day);
  if (!file || !fs.existsSync(file)) return [];
  const out: SeedMessage[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let ev: Record<string, unknown>;
    try {
      ev = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (ev.type !== 'message') continue;
    const msg = (ev.message ?? {}) as Record<string, unknown>;
    if (msg.role !== 'user' && msg.role !== 'assistant') continue;
    const text = Array.isArray(msg.content)
      ? (msg.content as { type?: string; text?: string }[])
          .filter((c) => c.type === 'text' && typeof c.text === 'string')
          .map((c) => c.text)
          .join('\n')
      : typeof msg.content === 'string'
        ? msg.content
        : '';
    if (text) out.push({ role: msg.role, content: text });
  }
  return out;
}
