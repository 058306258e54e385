import type { Command } from 'commander';
import { metaclawHome } from '../config/paths.js';
import { CliError } from './context.js';
import { processAlive, readPidFile, removePidFile } from './pidfile.js';

export function registerStop(program: Command): void {
  program
    .command('stop')
    .description('stop the background service (in-flight requests finish first)')
    .option('--timeout-ms <ms>', 'how long to wait before giving up', '30000')
    .action(async (opts: { timeoutMs: string }) => {
      // The pid file is all stop needs: a broken config file must never keep a service running.
      const pid = await stopService(metaclawHome(), Number(opts.timeoutMs));
      console.log(pid === null ? 'MetaClaw is not running' : `MetaClaw stopped (pid ${pid})`);
    });
}

/** Stop the service named by the pid file (SIGTERM, wait); returns its pid, or null when none ran. */
export async function stopService(home: string, timeoutMs = 30_000): Promise<number | null> {
  const info = readPidFile(home);
  if (!info || !processAlive(info.pid)) {
    if (info) removePidFile(home, info.pid);
    return null;
  }
  process.kill(info.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (processAlive(info.pid)) {
    if (Date.now() > deadline)
      throw new CliError(`MetaClaw (pid ${info.pid}) did not stop within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  removePidFile(home, info.pid);
  return info.pid;
}
