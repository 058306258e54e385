import type { Command } from 'commander';
import { CliError, type GlobalOptions, loadOrExit } from './context.js';
import { processAlive, readPidFile, removePidFile } from './pidfile.js';

export function registerStop(program: Command): void {
  program
    .command('stop')
    .description('stop the background service (in-flight requests finish first)')
    .option('--timeout-ms <ms>', 'how long to wait before giving up', '30000')
    .action(async (opts: { timeoutMs: string }, cmd: Command) => {
      const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
      const info = readPidFile(loaded.home);
      if (!info || !processAlive(info.pid)) {
        if (info) removePidFile(loaded.home, info.pid);
        console.log('MetaClaw is not running');
        return;
      }
      process.kill(info.pid, 'SIGTERM');
      const deadline = Date.now() + Number(opts.timeoutMs);
      while (processAlive(info.pid)) {
        if (Date.now() > deadline)
          throw new CliError(`MetaClaw (pid ${info.pid}) did not stop within ${opts.timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
      removePidFile(loaded.home, info.pid);
      console.log(`MetaClaw stopped (pid ${info.pid})`);
    });
}
