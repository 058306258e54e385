import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError } from './errors.js';
import { validateConfig } from './load.js';
import { type Config, isSecretKey } from './schema.js';

/** Read a dotted key from a plain object. */
export function getKey(obj: unknown, key: string): unknown {
  let cur: unknown = obj;
  for (const part of key.split('.')) {
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
    out[k] = typeof v === 'string' && isSecretKey(key) ? maskSecret(v) : maskSecrets(v, key);
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
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const parsed = YAML.parseDocument(text);
  if (parsed.errors.length > 0) throw new ConfigError(`${file}: invalid YAML: ${parsed.errors[0]!.message}`);
  const doc = parsed.contents === null ? new YAML.Document({}) : parsed;
  const value = parseScalar(rawValue);
  doc.setIn(key.split('.'), value);
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
