import { describe, expect, it } from 'vitest';
import { buildProgram, commandName } from '../../../src/cli/main.js';

const argv = (...args: string[]) => ['node', 'metaclaw', ...args];

describe('CLI command loading', () => {
  it('finds the command past global options and their values', () => {
    expect(commandName(['start', '--foreground'])).toBe('start');
    expect(commandName(['--config', 'start', 'status'])).toBe('status');
    expect(commandName(['--config=x.yaml', 'sessions', 'list'])).toBe('sessions');
    expect(commandName(['--help'])).toBeNull();
    expect(commandName(['help', 'start'])).toBeNull();
    expect(commandName(['no-such-command'])).toBeNull();
    expect(commandName([])).toBeNull();
  });

  it('loads only the named command, and every command for help or an unknown one', async () => {
    const names = (p: Awaited<ReturnType<typeof buildProgram>>) => p.commands.map((c) => c.name());
    expect(names(await buildProgram(argv('start', '--foreground')))).toEqual(['start']);
    const all = names(await buildProgram(argv('--help')));
    expect(all).toEqual(
      expect.arrayContaining(['start', 'stop', 'status', 'config', 'setup', 'train', 'skills']),
    );
    expect(names(await buildProgram(argv('bogus')))).toEqual(all);
    expect(names(await buildProgram())).toEqual(all);
  });
});
