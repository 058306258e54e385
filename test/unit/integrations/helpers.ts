import fs from 'node:fs';
import path from 'node:path';
import type { CommandRunner, IntegrationContext } from '../../../src/integrations/types.js';
import { tempHome } from '../../helpers/tmp.js';

export interface TestContext extends IntegrationContext {
  lines: string[];
  commands: { file: string; args: string[] }[];
}

/** A temporary HOME (for ~/.openclaw, ~/.claude, ~/.codex) and MetaClaw home; nothing is restarted for real. */
export function testContext(over: Partial<IntegrationContext> = {}): TestContext {
  const userHome = tempHome('metaclaw-home-');
  const lines: string[] = [];
  const commands: { file: string; args: string[] }[] = [];
  const run: CommandRunner = async (file, args) => {
    commands.push({ file, args });
    return { code: 0, stdout: '', stderr: '' };
  };
  return {
    userHome,
    metaclawHome: path.join(userHome, '.metaclaw'),
    proxyUrl: 'http://127.0.0.1:30000',
    model: 'kimi-k2',
    metaclawCommand: ['/usr/bin/node', '/opt/metaclaw/bin/metaclaw.js'],
    which: () => null,
    run,
    say: (l) => lines.push(l),
    ...over,
    lines,
    commands,
  };
}

export function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

export function read(file: string): string {
  return fs.readFileSync(file, 'utf8');
}
