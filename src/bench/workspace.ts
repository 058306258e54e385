import fs from 'node:fs';
import path from 'node:path';
import type { BenchDay } from './dataset.js';

/**
 * A fresh workspace per day, as the reference runner builds it: the identity files
 * (`workspaces/shared/*.md`), that day's folder only, and the checker scripts in `scripts/`.
 */
export function setupWorkspace(setRoot: string, day: BenchDay, dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const shared = path.join(setRoot, 'workspaces', 'shared');
  if (fs.existsSync(shared)) {
    for (const e of fs.readdirSync(shared, { withFileTypes: true })) {
      if (e.isFile() && e.name.endsWith('.md'))
        fs.copyFileSync(path.join(shared, e.name), path.join(dir, e.name));
    }
    const dayDir = path.join(shared, day.id);
    if (fs.existsSync(dayDir)) fs.cpSync(dayDir, path.join(dir, day.id), { recursive: true });
  }
  const scripts = path.join(setRoot, 'eval', 'scripts');
  if (fs.existsSync(scripts)) fs.cpSync(scripts, path.join(dir, 'scripts'), { recursive: true });
  return dir;
}

/** System prompt from the workspace identity files, the way OpenClaw assembles its context. */
export function systemPrompt(workspace: string): string {
  const files = fs
    .readdirSync(workspace)
    .filter((f) => f.endsWith('.md'))
    .sort();
  const parts = [
    "You are a personal assistant running inside a workspace on the user's machine. " +
      'You can list, read, write and append files and run shell commands there with your tools.',
    `Workspace: ${workspace}`,
  ];
  for (const f of files) parts.push(`## ${f}\n${fs.readFileSync(path.join(workspace, f), 'utf8').trim()}`);
  return parts.join('\n\n');
}

export interface SeedMessage {
  role: 'user' | 'assistant';
  content: string;
}

/**
 * The seed transcript's user/assistant text messages (OpenClaw session JSONL), in order: the
 * day's `session` file when it exists, else every session file of the first agent.
 */
export function seedMessages(setRoot: string, session: string | null = null): SeedMessage[] {
  const agents = path.join(setRoot, 'openclaw_state', 'agents');
  if (!fs.existsSync(agents)) return [];
  const out: SeedMessage[] = [];
  for (const agent of fs.readdirSync(agents).sort()) {
    const sessions = path.join(agents, agent, 'sessions');
    if (!fs.existsSync(sessions)) continue;
    const all = fs
      .readdirSync(sessions)
      .filter((n) => n.endsWith('.jsonl'))
      .sort();
    const own = session ? all.filter((n) => n === `${session}.jsonl`) : [];
    for (const f of own.length ? own : all) {
      for (const line of fs.readFileSync(path.join(sessions, f), 'utf8').split('\n')) {
        if (!line.trim()) continue;
        let ev: Record<string, unknown>;
        try {
          ev = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        const msg = (ev.message ?? ev) as Record<string, unknown>;
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
    }
    break; // one agent's transcript seeds the day
  }
  return out;
}
