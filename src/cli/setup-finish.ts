import { spawn } from 'node:child_process';
import { distance } from '../config/keys.js';
import type { LoadedConfig } from '../config/load.js';
import { storePath } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { assertInside, copyExtras } from '../skills/folder.js';
import { SkillLibrary } from '../skills/library.js';
import { skillsDir } from '../skills/runtime.js';
import { importOps, starterDir } from '../skills/starter.js';
import { openStore } from '../store/db.js';
import { SkillRepository } from '../store/skill-repository.js';

/**
 * Install the starter skills into a library that never had any, so a new user's first request
 * already gets skills. A library with history (even one the user emptied on purpose) is left alone.
 */
export function installStarterSkills(loaded: LoadedConfig, say: (line: string) => void): void {
  if (!loaded.config.skills.enabled) return;
  const db = openStore(storePath(loaded));
  try {
    const repo = new SkillRepository(db);
    if (repo.currentGeneration() > 0) return;
    const dir = skillsDir(loaded);
    const lib = new SkillLibrary(repo, { dir });
    lib.load();
    const { ops, folders, warnings } = importOps(starterDir(), lib.current(), {
      origin: 'starter',
      keepExisting: true,
    });
    for (const w of warnings) say(`! skipped ${w.file}: ${w.reason}`);
    for (const [name, folder] of folders)
      for (const w of copyExtras(folder, assertInside(dir, name))) say(`! skipped ${w.file}: ${w.reason}`);
    const applied = lib.apply(ops, 'import', 'starter skills');
    if (applied)
      say(`✓ skills: installed ${ops.length} starter skills into ${dir} (metaclaw skills list shows them)`);
  } finally {
    db.close();
  }
}

/** The listed models, closest to `wanted` first (a typo's fix is then the first choice). */
export function closestModels(wanted: string, models: readonly string[]): string[] {
  const w = wanted.toLowerCase();
  return [...models]
    .map((m) => ({ m, d: m.toLowerCase().includes(w) ? 0 : distance(w, m.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || a.m.localeCompare(b.m))
    .map((x) => x.m);
}

/** `metaclaw start` as its own process (the same binary and --config), so setup ends like start. */
export function startInBackground(globals: { config?: string }): Promise<void> {
  const args = [process.argv[1]!, ...(globals.config ? ['--config', globals.config] : []), 'start'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`metaclaw start exited with ${code}; see metaclaw logs`)),
    );
  });
}

/** Small models to suggest for the judge, by provider preset. */
const SMALL_JUDGE_MODELS: Record<string, string> = {
  openai: 'gpt-4.1-mini',
  anthropic: 'claude-haiku-4-5',
  openrouter: 'openai/gpt-4.1-mini',
};

/**
 * With no `judge.model`, the judge asks the model that serves the agent: `judge.votes` extra calls
 * of it per main turn. Null when a judge model is set (or the judge is off).
 */
export function judgeCostWarning(config: Config, presetId: string, servedModel?: string): string | null {
  if (!config.judge.enabled || config.judge.model) return null;
  // Setup maps the agent's model names (upstream.model_map) rather than overriding, so the model
  // chosen in setup is passed in; upstream.model still wins when a user set it.
  const servedName = config.upstream.model ?? servedModel;
  const served = servedName ? ` (${servedName})` : '';
  const small = SMALL_JUDGE_MODELS[presetId];
  const example = small ?? 'MODEL';
  return (
    `! judge: no judge.model set, so the judge uses the served model${served}: ` +
    `${config.judge.votes} extra calls of it per main turn (judge.votes).\n` +
    `  a small model is enough${small ? '' : ' (any small model your endpoint serves)'}: ` +
    `metaclaw setup … --judge-model ${example}, or metaclaw config set judge.model ${example}`
  );
}
