import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { clackPrompter, PromptCancelled } from '../integrations/prompter.js';
import { INTEGRATIONS, integrationContext } from '../integrations/registry.js';
import { loadRecords, type WiringRecord } from '../integrations/state.js';
import { IntegrationError } from '../integrations/types.js';
import { CliError, type GlobalOptions, loadLenient } from './context.js';
import { runningService } from './pidfile.js';
import { stopService } from './stop.js';
import { deleteOwned } from './uninstall-files.js';

interface UninstallOptions {
  yes?: boolean;
  keepData?: boolean;
  nonInteractive?: boolean;
}

export function registerUninstall(program: Command): void {
  program
    .command('uninstall')
    .description(
      "unwire every agent (restoring previous settings), stop the service, delete MetaClaw's own files",
    )
    .option('-y, --yes', 'do not ask first')
    .option('--keep-data', 'unwire and stop, but keep the MetaClaw home (config, store, skills)')
    .option('--non-interactive', 'never prompt (then --yes or --keep-data is required)')
    .action(async (opts: UninstallOptions, cmd: Command) => {
      // Works whatever the config file says: a broken one only means default paths.
      const { home, loaded, error } = loadLenient(cmd.optsWithGlobals() as GlobalOptions);
      if (error) console.error(`metaclaw: config error (${error}); using default paths`);
      const interactive = !opts.nonInteractive && Boolean(process.stdin.isTTY && process.stdout.isTTY);
      // Refuse up front, before anything changes: a script must say what it wants deleted.
      if (!opts.yes && !opts.keepData && !interactive)
        throw new CliError(
          `refusing to delete MetaClaw's files in ${home} without confirmation: pass --yes (or --keep-data to keep them)`,
          2,
        );
      assertSafeHome(home);

      const records = loadRecords(home);
      const svc = runningService(home);
      if (!opts.yes && interactive) {
        const plan = [
          ...records.map((r) => `unwire ${r.agent} (${r.file})`),
          ...(svc ? [`stop MetaClaw (pid ${svc.pid})`] : []),
          opts.keepData
            ? `keep ${home}`
            : `delete MetaClaw's files in ${home} (config, recorded turns, learned skills, logs)`,
        ];
        let sure = false;
        try {
          sure = await clackPrompter.confirm(`Uninstall MetaClaw?\n  ${plan.join('\n  ')}`, false);
        } catch (err) {
          if (!(err instanceof PromptCancelled)) throw err;
        }
        if (!sure) {
          console.log('nothing was changed');
          return;
        }
      }

      for (const rec of records) await unwire(rec, loaded);
      const pid = await stopService(home);
      console.log(pid === null ? 'MetaClaw was not running' : `stopped MetaClaw (pid ${pid})`);
      if (opts.keepData) {
        console.log(`kept ${home}`);
        return;
      }
      const result = deleteOwned(home, loaded?.config ?? null);
      if (result.homeRemoved) console.log(`deleted ${home}`);
      else if (result.kept.length > 0)
        console.log(
          `deleted MetaClaw's files; kept ${home} because it holds files MetaClaw did not create: ${result.kept.join(', ')}`,
        );
      else console.log(`nothing of MetaClaw's left in ${home}`);
    });
}

/** Unwire one record, in the user home its file belongs to (`<home>/.claude/settings.json` …). */
async function unwire(rec: WiringRecord, loaded: ReturnType<typeof loadLenient>['loaded']): Promise<void> {
  if (!loaded) {
    console.error(`metaclaw: cannot unwire ${rec.agent} while the config does not load; fix it first`);
    throw new CliError('nothing was deleted', 2);
  }
  const userHome = path.dirname(path.dirname(rec.file));
  const ctx = integrationContext({ loaded, userHome });
  try {
    await INTEGRATIONS[rec.agent].remove(ctx);
  } catch (err) {
    if (err instanceof IntegrationError)
      throw new CliError(`could not unwire ${rec.agent}: ${err.message}; nothing else was changed`, 1);
    throw err;
  }
}

/** Never touch a folder that is obviously not MetaClaw's own (a misconfigured METACLAW_HOME). */
function assertSafeHome(home: string): void {
  const resolved = path.resolve(home);
  if (resolved === path.parse(resolved).root || resolved === path.resolve(os.homedir()))
    throw new CliError(
      `refusing to uninstall from ${resolved}: METACLAW_HOME points at a folder that is not MetaClaw's`,
      2,
    );
}
