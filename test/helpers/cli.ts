import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = path.resolve('bin/metaclaw.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run the real CLI (compiled dist/, as after `npm ci`) with its own HOME and MetaClaw home, and
 * nothing else from the developer's environment but PATH.
 */
export async function runCli(
  args: string[],
  o: { home: string; metaclawHome?: string; env?: NodeJS.ProcessEnv },
): Promise<CliResult> {
  try {
    const r = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: o.home, METACLAW_HOME: o.metaclawHome ?? o.home, ...o.env },
      timeout: 30_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A port that was free a moment ago, for tests that must pass a concrete port to the CLI. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
