import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBenchSet } from '../../../src/bench/dataset.js';
import { runTool } from '../../../src/bench/tools.js';
import { seedMessages, setupWorkspace, systemPrompt } from '../../../src/bench/workspace.js';
import { tempHome } from '../../helpers/tmp.js';

const SYNTH = path.resolve('test/fixtures/bench-synth');

describe('bench workspace and tools', () => {
  it("holds the identity files, only that day's folder and the checkers", () => {
    const set = loadBenchSet(SYNTH);
    const ws = setupWorkspace(SYNTH, set.days[1]!, path.join(tempHome(), 'ws'));
    expect(fs.readdirSync(ws).sort()).toEqual(['IDENTITY.md', 'USER.md', 'day02', 'scripts']);
    expect(fs.existsSync(path.join(ws, 'scripts/check_log.py'))).toBe(true);
    const sys = systemPrompt(ws);
    expect(sys).toContain('You are Claw');
    expect(sys).not.toContain('[LOG]');
    expect(seedMessages(SYNTH, set.days[1]!.session)).toEqual([
      { role: 'user', content: 'Hi, I am Sam. Help me with my notes this week.' },
      { role: 'assistant', content: 'Hello Sam, happy to help.' },
    ]);
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
