import { ConfigError } from '../config/errors.js';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import { metaclawHome } from '../config/paths.js';

/** Options every command accepts. */
export interface GlobalOptions {
  config?: string;
}

/** Load config or exit 2 naming the key: the CLI's single way to read config. */
export function loadOrExit(opts: GlobalOptions): LoadedConfig {
  try {
    return loadConfig({ configFile: opts.config });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`metaclaw: config error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A failure the user can act on: message to stderr, exit code, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * The config, or the error that stops it loading, without exiting: for commands that must work
 * from the pid file whatever the config says (`stop`, `status`). `home` never depends on the file.
 */
export function loadLenient(opts: GlobalOptions): {
  home: string;
  loaded: LoadedConfig | null;
  error: string | null;
} {
  try {
    const loaded = loadConfig({ configFile: opts.config });
    return { home: loaded.home, loaded, error: null };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { home: metaclawHome(), loaded: null, error: err.message };
  }
}
