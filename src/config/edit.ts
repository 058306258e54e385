import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError } from './errors.js';
import { isKnownKey, keyPath, unknownKeyMessage } from './keys.js';
import { validateConfig } from './load.js';
import { type Config, isSecretKey } from './schema.js';
import { redactUrl } from './upstream.js';

/** Read a dotted key from a plain object. */
export function getKey(obj: unknown, key: string): unknown {
  let cur: unknown = obj;
  for (const part of keyPath(key)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** A copy of the config with every secret replaced by a mask that shows only its tail. */
export function maskSecrets(value: unknown, prefix = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, prefix));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    // URLs may carry user:password or ?key=… (issue 17): shown redacted.
    if (typeof v === 'string' && k.endsWith('base_url')) out[k] = redactUrl(v);
    else out[k] = typeof v === 'string' && isSecretKey(key) ? maskSecret(v) : maskSecrets(v, key);
  }
  return out;
}

export function maskSecret(secret: string): string {
  return secret.length <= 8 ? '****' : `****${secret.slice(-4)}`;
}

/**
 * Set one key in the YAML file, keeping the user's comments and layout, validating the result
 * before anything is written. The file is replaced atomically with mode 0600 (it may hold keys).
 */
export function setKeyInFile(file: string, key: string, rawValue: string): Config {
  if (!isKnownKey(key)) throw new ConfigError(unknownKeyMessage(key), key, file);
  return editFile(file, (doc) => doc.setIn(keyPath(key), parseScalar(rawValue)));
}

/**
 * Remove one key from the file (its default applies again), keeping comments and layout;
 * returns false when the file did not set it.
 */
export function unsetKeyInFile(file: string, key: string): { config: Config; removed: boolean } {
  if (!isKnownKey(key)) throw new ConfigError(unknownKeyMessage(key), key, file);
  let removed = false;
  const config = editFile(file, (doc) => {
    removed = doc.hasIn(keyPath(key));
    if (removed) doc.deleteIn(keyPath(key));
  });
  return { config, removed };
}

function editFile(file: string, edit: (doc: YAML.Document) => void): Config {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const parsed = YAML.parseDocument(text);
  if (parsed.errors.length > 0) throw new ConfigError(`${file}: invalid YAML: ${parsed.errors[0]!.message}`);
  const doc = parsed.contents === null ? new YAML.Document({}) : parsed;
  edit(doc);
  const config = validateConfig(doc.toJS() ?? {}, file);
  writeFileAtomic(file, doc.toString(), 0o600);
  return config;
}

/** `8080` → number, `true` → boolean, `null` → null, anything else stays a string. */
export function parseScalar(raw: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw === 'null') return null;
  if (raw.startsWith('[') || raw.startsWith('{')) {
    try {
      return YAML.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

export function writeFileAtomic(file: string, content: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, content, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}
