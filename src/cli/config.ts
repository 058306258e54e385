import type { Command } from 'commander';
import YAML from 'yaml';
import { getKey, maskSecret, maskSecrets, setKeyInFile, unsetKeyInFile } from '../config/edit.js';
import { ConfigError } from '../config/errors.js';
import { isKnownKey, unknownKeyMessage } from '../config/keys.js';
import type { LoadedConfig } from '../config/load.js';
import { isSecretKey } from '../config/schema.js';
import { CliError, type GlobalOptions, loadOrExit, printJson } from './context.js';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('show and change settings');
  config
    .command('show')
    .description('the effective config (defaults filled in, secrets masked)')
    .option('--json', 'JSON instead of YAML')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
      const masked = maskSecrets(loaded.config);
      if (opts.json) printJson(masked);
      else
        process.stdout.write(
          `# ${loaded.file}${loaded.fileExists ? '' : ' (not created yet: all defaults)'}\n${YAML.stringify(masked)}`,
        );
    });
  config
    .command('get <key>')
    .description('one value, by dotted key (e.g. proxy.port)')
    .option('--reveal', 'print a secret in full')
    .action((key: string, opts: { reveal?: boolean }, cmd: Command) => {
      // The same rule as `set`: a key the schema does not know is an error, not "not set".
      if (!isKnownKey(key)) throw new CliError(unknownKeyMessage(key), 2);
      const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
      const value = getKey(loaded.config, key);
      if (value === undefined) throw new CliError(`${key}: not set (and no default)`, 1);
      if (typeof value === 'string' && isSecretKey(key) && !opts.reveal) console.log(maskSecret(value));
      else if (typeof value === 'object') process.stdout.write(YAML.stringify(value));
      else console.log(String(value));
    });
  config
    .command('set <key> <value>')
    .description('change one value; the file is validated before it is written (mode 0600)')
    .action(async (key: string, value: string, _opts: unknown, cmd: Command) => {
      const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
      if (!isKnownKey(key)) throw new CliError(`config error: ${unknownKeyMessage(key)}`, 2);
      try {
        setKeyInFile(loaded.file, key, value);
      } catch (err) {
        if (err instanceof ConfigError) throw new CliError(`config error: ${err.message}`, 2);
        throw err;
      }
      console.log(`${key} = ${isSecretKey(key) ? maskSecret(value) : value}  (${loaded.file})`);
      await afterChange(loaded, [key]);
    });
  config
    .command('unset <key>')
    .description('remove one value from the file, so its default applies again')
    .action(async (key: string, _opts: unknown, cmd: Command) => {
      const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
      let removed: boolean;
      try {
        ({ removed } = unsetKeyInFile(loaded.file, key));
      } catch (err) {
        if (err instanceof ConfigError) throw new CliError(`config error: ${err.message}`, 2);
        throw err;
      }
      if (!removed) {
        console.log(`${key} was not set in ${loaded.file} (nothing changed)`);
        return;
      }
      console.log(`${key} removed: default applies  (${loaded.file})`);
      await afterChange(loaded, [key]);
    });
}

/** Tell the running service (if any) and the wired agents about a change; see config-apply.ts. */
async function afterChange(loaded: LoadedConfig, keys: string[]): Promise<void> {
  const { applyConfigChange } = await import('./config-apply.js');
  for (const line of await applyConfigChange(loaded, keys)) console.log(line);
}
