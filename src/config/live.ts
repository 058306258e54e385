import fs from 'node:fs';
import type { Logger } from 'pino';
import { sendJson } from '../server/http-util.js';
import type { Route } from '../server/router.js';
import { ConfigError } from './errors.js';
import { type LoadedConfig, loadConfig } from './load.js';
import type { Config } from './schema.js';

/**
 * Applies the new value of some keys to the running service. Returns the keys it could not
 * apply (those then need a restart).
 */
export type Applier = (next: Config, keys: string[]) => string[] | undefined;

/** Keys (or prefixes ending in `.`) the running service can take without a restart, by applier. */
export interface LiveTarget {
  keys: (string | RegExp)[];
  apply: Applier;
}

export interface LiveStatus {
  file: string;
  /** Keys changed in the file since start that only a restart applies. */
  restart_needed: string[];
  /** Keys changed since start that the service applied live. */
  reloaded: string[];
  /** The file as it is now does not load (the service keeps its last good config). */
  error: string | null;
  checked_at: number;
}

/** Every leaf key whose value differs between two configs (arrays compare whole). */
export function changedKeys(a: unknown, b: unknown, prefix = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const out: string[] = [];
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      out.push(...changedKeys(a[k], b[k], prefix ? `${prefix}.${k}` : k));
    return out;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}

/**
 * The config a running service works from, kept in step with its file: on every change (a file
 * watch, or `metaclaw config set` asking through the admin route) the file is re-read and
 * validated, the keys that can change live are applied, and the rest are listed as "restart
 * needed" for `status` and `config set`. A file that no longer validates changes nothing.
 */
export class LiveConfig {
  private current: Config;
  private readonly started: Config;
  private readonly reloaded = new Set<string>();
  private restart: string[] = [];
  private error: string | null = null;
  private checkedAt = Date.now();
  private watching = false;

  constructor(
    private readonly loaded: LoadedConfig,
    private readonly targets: LiveTarget[],
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.started = structuredClone(loaded.config);
    this.current = loaded.config;
  }

  /** Poll the file (a watch on the file itself misses atomic renames). */
  start(intervalMs = 1000): void {
    if (this.watching) return;
    this.watching = true;
    fs.watchFile(this.loaded.file, { interval: intervalMs, persistent: false }, () => this.reload());
  }

  stop(): void {
    if (this.watching) fs.unwatchFile(this.loaded.file);
    this.watching = false;
  }

  /** Re-read the file now; returns the status after it. */
  reload(): LiveStatus {
    this.checkedAt = Date.now();
    let next: Config;
    try {
      next =
        this.loaded.fileExists || fs.existsSync(this.loaded.file)
          ? loadConfig({ configFile: this.loaded.file, env: this.env }).config
          : this.started;
    } catch (err) {
      this.error = err instanceof ConfigError ? err.message : (err as Error).message;
      this.log.warn(
        { file: this.loaded.file, error: this.error },
        'config file changed but does not load; keeping the running config',
      );
      return this.status();
    }
    this.error = null;
    const changed = changedKeys(this.current, next);
    const notApplied = new Set<string>();
    for (const key of changed)
      if (!this.targets.some((t) => t.keys.some((k) => matches(k, key)))) notApplied.add(key);
    for (const t of this.targets) {
      const mine = changed.filter((key) => t.keys.some((k) => matches(k, key)));
      if (mine.length === 0) continue;
      try {
        for (const k of t.apply(next, mine) ?? []) notApplied.add(k);
      } catch (err) {
        this.log.warn({ err, keys: mine }, 'could not apply a config change live; restart needed');
        for (const k of mine) notApplied.add(k);
      }
    }
    for (const k of changed) if (!notApplied.has(k)) this.reloaded.add(k);
    if (changed.length > 0)
      this.log.info(
        { reloaded: changed.filter((k) => !notApplied.has(k)), restart_needed: [...notApplied] },
        'config file changed',
      );
    this.current = next;
    // Restart is needed for what differs from the started config and was never applied.
    const pending = new Set(this.restart);
    for (const k of notApplied) pending.add(k);
    const sinceStart = new Set(changedKeys(this.started, next));
    this.restart = [...pending].filter((k) => sinceStart.has(k)).sort();
    return this.status();
  }

  status(): LiveStatus {
    return {
      file: this.loaded.file,
      restart_needed: this.restart,
      reloaded: [...this.reloaded].sort(),
      error: this.error,
      checked_at: this.checkedAt,
    };
  }
}

function matches(pattern: string | RegExp, key: string): boolean {
  if (pattern instanceof RegExp) return pattern.test(key);
  return pattern.endsWith('.') ? key.startsWith(pattern) : key === pattern;
}

/**
 * `GET /v1/admin/config`: what the running service needs a restart for (read by `status`).
 * `POST /v1/admin/config/reload`: re-read the file now (`config set` calls it).
 */
export function liveConfigRoutes(live: LiveConfig): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/admin/config',
      auth: true,
      errorShape: 'openai',
      handler: ({ res }) => sendJson(res, 200, live.status()),
    },
    {
      method: 'POST',
      path: '/v1/admin/config/reload',
      auth: true,
      errorShape: 'openai',
      handler: ({ res }) => sendJson(res, 200, live.reload()),
    },
  ];
}
