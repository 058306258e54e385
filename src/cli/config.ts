import type { Command } from 'commander';
import YAML from 'yaml';
import { getKey, maskSecret, maskSecrets, setKeyInFile } from '../config/edit.js';
import { ConfigError } from '../config/errors.js';
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
    .action((key: string, value: string, _opts: unknown, cmd: Command) => {
      const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
      try {
        setKeyInFile(loaded.file, key, value);
      } catch (err) {
        if (err instanceof ConfigError) throw new CliError(`config error: ${err.message}`, 2);
        throw err;
      }
      console.log(`${key} = ${isSecretKey(key) ? maskSecret(value) : value}  (${loaded.file})`);
    });
}
