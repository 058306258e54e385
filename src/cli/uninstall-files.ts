import fs from 'node:fs';
import path from 'node:path';
import { defaultConfigPath, pidFilePath, resolveUnderHome } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import { stateFile } from '../integrations/state.js';

/**
 * What MetaClaw itself created in its home, and nothing else: its config, store (with WAL/SHM),
 * logs, pid and state files, scheduler state, skills folder, downloaded tokenizer cache. A file a
 * user put there (or a folder pointed elsewhere by config) is never on this list.
 */
export function ownedPaths(home: string, config: Config | null): string[] {
  const under = (p: string) => {
    const rel = path.relative(home, p);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  };
  const store = resolveUnderHome(home, config?.store.path ?? 'metaclaw.db');
  const log = resolveUnderHome(home, config?.logging.file ?? 'logs/metaclaw.log');
  const paths = [
    defaultConfigPath(home),
    store,
    `${store}-wal`,
    `${store}-shm`,
    `${store}-journal`,
    log,
    pidFilePath(home),
    stateFile(home),
    path.join(home, 'scheduler', 'status.json'),
    path.join(home, 'scheduler', 'override.json'),
    path.join(home, 'scheduler', 'calendar-cache'),
    resolveUnderHome(home, config?.skills.dir ?? 'skills'),
    resolveUnderHome(home, config?.serving.policy.cache_dir ?? 'models'),
  ];
  return [...new Set(paths.filter(under))];
}

/** Temp files of MetaClaw's atomic writes (`<file>.<pid>.<time>.tmp`) left by a crash. */
function strayTemps(dir: string, names: Set<string>): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => /\.\d+\.\d+\.tmp$/.test(f) && names.has(f.replace(/\.\d+\.\d+\.tmp$/, '')))
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

export interface Cleanup {
  deleted: string[];
  /** Entries left in the home because MetaClaw did not create them. */
  kept: string[];
  homeRemoved: boolean;
}

/** Delete MetaClaw's own files, then every folder they leave empty; the home goes only if empty. */
export function deleteOwned(home: string, config: Config | null): Cleanup {
  const owned = ownedPaths(home, config);
  const temps = strayTemps(home, new Set(owned.map((p) => path.basename(p))));
  const deleted: string[] = [];
  for (const p of [...owned, ...temps]) {
    if (!fs.existsSync(p)) continue;
    fs.rmSync(p, { recursive: true, force: true });
    deleted.push(p);
    // Folders MetaClaw made for its files (logs/, scheduler/) go once empty.
    for (let dir = path.dirname(p); dir !== home && dir.startsWith(home); dir = path.dirname(dir)) {
      try {
        fs.rmdirSync(dir);
      } catch {
        break;
      }
    }
  }
  let kept: string[] = [];
  let homeRemoved = false;
  try {
    kept = fs.readdirSync(home);
    if (kept.length === 0) {
      fs.rmdirSync(home);
      homeRemoved = true;
    }
  } catch {
    homeRemoved = !fs.existsSync(home);
  }
  return { deleted, kept, homeRemoved };
}
