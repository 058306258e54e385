import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './errors.js';
import { suggestKey } from './keys.js';
import { defaultConfigPath, metaclawHome, resolveUnderHome } from './paths.js';
import { type Config, configSchema } from './schema.js';

export interface LoadedConfig {
  config: Config;
  /** The file the config came from (it may not exist yet). */
  file: string;
  home: string;
  fileExists: boolean;
}

export interface LoadOptions {
  configFile?: string;
  env?: NodeJS.ProcessEnv;
}

/** Read, parse and validate the config file; a missing file means all defaults. */
export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const home = metaclawHome(env);
  const file = opts.configFile ? path.resolve(opts.configFile) : defaultConfigPath(home);
  let raw: unknown = {};
  let fileExists = false;
  if (fs.existsSync(file)) {
    fileExists = true;
    raw = parseYamlFile(file);
  } else if (opts.configFile) {
    throw new ConfigError(`config file not found: ${file}`, undefined, file);
  }
  return { config: validateConfig(raw, file), file, home, fileExists };
}

export function parseYamlFile(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ConfigError(`${file}: invalid YAML: ${e.message}`, undefined, file);
  }
  return doc.toJS() ?? {};
}

/** Validate a raw config object. Errors name the key path (e.g. `proxy.port`). */
export function validateConfig(raw: unknown, file?: string): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw configErrorFromZod(result.error, file);
  const config = result.data;
  if (!isLoopbackHost(config.proxy.host) && !config.proxy.api_key) {
    throw new ConfigError(
      `proxy.host is ${config.proxy.host}, which is not a loopback address: set proxy.api_key so that other machines must authenticate`,
      'proxy.host',
      file,
    );
  }
  return config;
}

export function configErrorFromZod(error: z.ZodError, file?: string): ConfigError {
  const issue = error.issues[0]!;
  let key = issue.path.map(String).join('.');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const extra = issue.keys[0] ?? '';
    key = key ? `${key}.${extra}` : extra;
    const close = suggestKey(key);
    message = `unknown key${close ? ` — did you mean \`${close}\`?` : ''}`;
  }
  const where = file ? `${file}: ` : '';
  return new ConfigError(`${where}${key || '(root)'}: ${message}`, key || undefined, file);
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function storePath(loaded: LoadedConfig): string {
  return resolveUnderHome(loaded.home, loaded.config.store.path);
}
