import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { clackPrompter, PromptCancelled } from '../integrations/prompter.js';
import { INTEGRATIONS, integrationContext } from '../integrations/registry.js';
import { loadWiringState } from '../integrations/state.js';
import { IntegrationError } from '../integrations/types.js';
import { CliError, type GlobalOptions, loadOrExit } from './context.js';
import { stopService } from './stop.js';

interface UninstallOptions {
  yes?: boolean;
  keepData?: boolean;
  nonInteractive?: boolean;
}

export function registerUninstall(program: Command): void {
  program
    .command('uninstall')
    .description(
      'unwire every agent (restoring previous settings), stop the service, delete the MetaClaw home',
    )
    .option('-y, --yes', 'do not ask before deleting the MetaClaw home')
    .option('--keep-data', 'unwire and stop, but keep the MetaClaw home (config, store, skills)')
    .option('--non-interactive', 'never prompt (then --yes or --keep-data is required)')
    .action(async (opts: UninstallOptions, cmd: Command) => {
      const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
      const home = loaded.home;
      const interactive = !opts.nonInteractive && Boolean(process.stdin.isTTY && process.stdout.isTTY);
      // Refuse up front, before anything changes: a script must say what it wants deleted.
      if (!opts.yes && !opts.keepData && !interactive)
        throw new CliError(
          `refusing to delete ${home} without confirmation: pass --yes (or --keep-data to keep it)`,
          2,
        );
      assertSafeToDelete(home);

      const ctx = integrationContext({ loaded });
      for (const id of Object.keys(loadWiringState(home)) as (keyof typeof INTEGRATIONS)[]) {
        try {
          await INTEGRATIONS[id].remove(ctx);
        } catch (err) {
          if (err instanceof IntegrationError)
            throw new CliError(`could not unwire ${id}: ${err.message}; nothing else was changed`, 1);
          throw err;
        }
      }
      const pid = await stopService(home);
      console.log(pid === null ? 'MetaClaw was not running' : `stopped MetaClaw (pid ${pid})`);

      if (opts.keepData || !fs.existsSync(home)) {
        console.log(opts.keepData ? `kept ${home}` : 'done');
        return;
      }
      if (!opts.yes) {
        let sure = false;
        try {
          sure = await clackPrompter.confirm(
            `Delete ${home} (config, recorded turns, learned skills)?`,
            false,
          );
        } catch (err) {
          if (!(err instanceof PromptCancelled)) throw err;
        }
        if (!sure) {
          console.log(`kept ${home}`);
          return;
        }
      }
      fs.rmSync(home, { recursive: true, force: true });
      console.log(`deleted ${home}`);
    });
}

/** Never delete a folder that is obviously not MetaClaw's own (a misconfigured METACLAW_HOME). */
function assertSafeToDelete(home: string): void {
  const resolved = path.resolve(home);
  if (resolved === path.parse(resolved).root || resolved === path.resolve(os.homedir()))
    throw new CliError(
      `refusing to delete ${resolved}: METACLAW_HOME points at a folder that is not MetaClaw's`,
      2,
    );
}
