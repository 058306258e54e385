import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBenchSet } from '../../../src/bench/dataset.js';
import { runTool } from '../../../src/bench/tools.js';
import { seedMessages, setupWorkspace, systemPrompt } from '../../../src/bench/workspace.js';
import { tempHome } from '../../helpers/tmp.js';

const SYNTH = path.resolve('test/fixtures/bench-synth');

describe('bench workspace and tools', () => {
  it("holds workspace_src's root files and non-day folders, only that day's folder, and the checkers", () => {
    const src = path.join(tempHome(), 'set');
    fs.cpSync(SYNTH, src, { recursive: true });
    fs.mkdirSync(path.join(src, 'workspaces/shared/templates'));
    fs.writeFileSync(path.join(src, 'workspaces/shared/templates/t.txt'), 't');
    fs.writeFileSync(path.join(src, 'workspaces/shared/notes.txt'), 'n');
    const set = loadBenchSet(src);
    const ws = setupWorkspace(set, set.days[1]!, path.join(tempHome(), 'ws'));
    expect(fs.readdirSync(ws).sort()).toEqual([
      'AGENTS.md',
      'IDENTITY.md',
      'SOUL.md',
      'TOOLS.md',
      'USER.md',
      'day02',
      'notes.txt',
      'scripts',
      'templates',
    ]);
    expect(fs.existsSync(path.join(ws, 'scripts/check_log.py'))).toBe(true);
    const sys = systemPrompt(ws);
    // OpenClaw's bootstrap order, not the alphabet; other files are not injected.
    const order = ['AGENTS.md', 'SOUL.md', 'TOOLS.md', 'IDENTITY.md', 'USER.md'].map((f) =>
      sys.indexOf(`## ${f}`),
    );
    expect(order.every((p, i) => p > 0 && (i === 0 || p > order[i - 1]!))).toBe(true);
    expect(sys).toContain('You are Claw');
    expect(sys).not.toContain('notes.txt');
    expect(sys).not.toContain('[LOG]');
  });

  it("seeds the day's own OpenClaw transcript (message events only); a missing one is an empty history", () => {
    const set = loadBenchSet(SYNTH);
    expect(seedMessages(set, set.days[1]!)).toEqual([
      { role: 'user', content: 'Hi, I am Sam. Help me with my notes this week.' },
      { role: 'assistant', content: 'Hello Sam, happy to help.' },
    ]);
    expect(seedMessages(set, { ...set.days[1]!, session: 'day09_missing' })).toEqual([]);
    expect(seedMessages(set, { ...set.days[1]!, session: null })).toEqual([]);
  });

  it('confines file tools to the workspace and reports errors as text', async () => {
    const ws = tempHome();
    expect(await runTool(ws, 'write_file', { path: 'a/b.txt', content: 'x' })).toMatch(/^ok/);
    await runTool(ws, 'append_file', { path: 'a/b.txt', content: 'y' });
    expect(await runTool(ws, 'read_file', { path: 'a/b.txt' })).toBe('xy');
    expect(await runTool(ws, 'list_files', {})).toBe(path.join('a', 'b.txt'));
    expect(await runTool(ws, 'read_file', { path: '../../etc/passwd' })).toMatch(/outside the workspace/);
    expect(await runTool(ws, 'run_shell', { command: 'cat a/b.txt; exit 4' })).toBe('exit code: 4\nxy');
  });
});
