import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { killGroup } from './kill.js';

/** The built-in agent's tools: those of a CLI agent, confined to the day's workspace. */
export const TOOL_SPECS = [
  {
    name: 'list_files',
    description: 'List files under a directory of the workspace (recursive).',
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: [] },
  },
  {
    name: 'read_file',
    description: 'Read a text file of the workspace.',
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  },
  {
    name: 'write_file',
    description: 'Create or overwrite a text file of the workspace.',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' } },
      required: ['path', 'content'],
    },
  },
  {
    name: 'append_file',
    description: 'Append text to a file of the workspace.',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' } },
      required: ['path', 'content'],
    },
  },
  {
    name: 'run_shell',
    description: 'Run a shell command in the workspace and return its exit code and output.',
    parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
  },
] as const;

const OUTPUT_LIMIT = 16 * 1024;
const SHELL_TIMEOUT_MS = 30_000;

function inside(workspace: string, p: unknown): string {
  const rel = typeof p === 'string' && p ? p : '.';
  const abs = path.resolve(workspace, rel);
  if (abs !== workspace && !abs.startsWith(workspace + path.sep))
    throw new Error(`path outside the workspace: ${rel}`);
  return abs;
}

const clip = (s: string): string =>
  s.length > OUTPUT_LIMIT ? `${s.slice(0, OUTPUT_LIMIT)}\n[output truncated]` : s;

function listFiles(dir: string, base: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p, base));
    else out.push(path.relative(base, p));
  }
  return out;
}

function runShell(workspace: string, command: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: workspace,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    const add = (b: Buffer) => {
      if (out.length < OUTPUT_LIMIT * 2) out += b.toString('utf8');
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    const timer = setTimeout(() => killGroup(child.pid), SHELL_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(clip(`exit code: ${code ?? 'killed (timeout)'}\n${out}`));
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve(`error: ${err.message}`);
    });
  });
}

/** Runs one tool call; errors come back as text for the model, never as exceptions. */
export async function runTool(
  workspace: string,
  name: string,
  args: Record<string, unknown>,
): Promise<string> {
  try {
    switch (name) {
      case 'list_files':
        return clip(listFiles(inside(workspace, args.path), workspace).sort().join('\n'));
      case 'read_file':
        return clip(fs.readFileSync(inside(workspace, args.path), 'utf8'));
      case 'write_file':
      case 'append_file': {
        const file = inside(workspace, args.path);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const content = typeof args.content === 'string' ? args.content : '';
        if (name === 'write_file') fs.writeFileSync(file, content);
        else fs.appendFileSync(file, content);
        return `ok: ${content.length} characters ${name === 'write_file' ? 'written to' : 'appended to'} ${args.path}`;
      }
      case 'run_shell':
        return await runShell(workspace, String(args.command ?? ''));
      default:
        return `error: unknown tool ${name}`;
    }
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}
