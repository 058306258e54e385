import fs from 'node:fs';
import path from 'node:path';
import { BenchDataError, fail, record, str } from './data-errors.js';
import { type BenchRound, parseRound } from './rounds.js';

export { BenchDataError } from './data-errors.js';
export type { BenchRound, FileCheckRound, MultiChoiceRound } from './rounds.js';

/**
 * MetaClaw-Bench data as published in the MetaClaw repository's `benchmark/data` folder: a
 * manifest (`all_tests.json`, or a variant such as `all_tests_metaclaw.json`) with top-level
 * `eval_dir`, `workspace_src`, `openclaw_state_dir` and a `test` list whose entries name a day
 * (`id`), its seed session (`agent`, `session`), its questions (`eval`, under `eval_dir`), `arc`
 * and `preference_tags`. Validation errors name the file and the field so a set is fixable.
 */
export interface BenchDay {
  id: string;
  /** 1-based position in the manifest, used by `--days`. */
  index: number;
  arc: string;
  desc: string;
  preferenceTags: string[];
  /** The OpenClaw agent whose session folder holds the seed transcript. */
  agent: string;
  /** The seed transcript's file name (without .jsonl), when given. */
  session: string | null;
  questionsFile: string;
  rounds: BenchRound[];
}

export interface BenchSet {
  root: string;
  manifestFile: string;
  name: string;
  evalDir: string;
  workspaceSrc: string;
  stateDir: string;
  days: BenchDay[];
}

function readJson(file: string): unknown {
  if (!fs.existsSync(file)) throw new BenchDataError(`${file}: file not found`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BenchDataError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

/**
 * The manifest's paths are relative to the MetaClaw repository root (`./benchmark/data/<set>/…`,
 * sometimes `${METACLAW_ROOT}/…`); with `--data` at the set's own folder (whatever it is called),
 * that prefix is dropped.
 */
export function resolveSetPath(root: string, p: string): string {
  const norm = p.replace(/^\$\{METACLAW_ROOT\}\//, '').replace(/^\.\//, '');
  const direct = path.resolve(root, norm);
  if (fs.existsSync(direct)) return direct;
  const m = /(?:^|\/)benchmark\/data\/[^/]+\/(.*)$/.exec(norm);
  return m ? path.join(root, m[1]!) : direct;
}

function dirField(
  manifest: Record<string, unknown>,
  key: string,
  root: string,
  file: string,
  fallback: string,
): string {
  const v = manifest[key];
  if (v === undefined) return path.join(root, fallback);
  if (typeof v !== 'string') fail(file, key, 'must be a path string');
  return resolveSetPath(root, v);
}

/** questions.json holds one group `{id, desc, rounds}` or (older sets) a list of groups. */
function loadRounds(qFile: string): BenchRound[] {
  const raw = readJson(qFile);
  const groups = Array.isArray(raw) ? raw : [raw];
  const rounds: BenchRound[] = [];
  groups.forEach((g, gi) => {
    const at = Array.isArray(raw) ? `[${gi}]` : '(top level)';
    const grp = record(g, qFile, at);
    const prefix = Array.isArray(raw) ? `[${gi}].` : '';
    const group = typeof grp.id === 'string' ? grp.id : `g${gi + 1}`;
    if (!Array.isArray(grp.rounds) || grp.rounds.length === 0)
      fail(qFile, `${prefix}rounds`, 'must be a non-empty array');
    for (const [j, r] of grp.rounds.entries())
      rounds.push(parseRound(r, qFile, `${prefix}rounds[${j}]`, group));
  });
  return rounds;
}

/** `--data` is the set's folder (its `all_tests.json` is used) or a manifest file in it. */
export function loadBenchSet(data: string): BenchSet {
  const abs = path.resolve(data);
  if (!fs.existsSync(abs)) throw new BenchDataError(`${abs}: data folder not found`);
  const isFile = fs.statSync(abs).isFile();
  const root = isFile ? path.dirname(abs) : abs;
  const manifestFile = isFile ? abs : path.join(abs, 'all_tests.json');
  const manifest = record(readJson(manifestFile), manifestFile, '(top level)');
  const tests = manifest.test;
  if (!Array.isArray(tests) || tests.length === 0) fail(manifestFile, 'test', 'must be a non-empty array');
  const evalDir = dirField(manifest, 'eval_dir', root, manifestFile, 'eval');
  const workspaceSrc = dirField(manifest, 'workspace_src', root, manifestFile, 'workspaces/shared');
  const stateDir = dirField(manifest, 'openclaw_state_dir', root, manifestFile, 'openclaw_state');
  const ids = new Set<string>();
  const days = tests.map((raw, i): BenchDay => {
    const at = `test[${i}]`;
    const t = record(raw, manifestFile, at);
    const id = str(t, 'id', manifestFile, at);
    if (ids.has(id)) fail(manifestFile, `${at}.id`, `'${id}' appears twice`);
    ids.add(id);
    for (const k of ['eval', 'session', 'agent', 'arc', 'desc'] as const)
      if (t[k] !== undefined && typeof t[k] !== 'string')
        fail(manifestFile, `${at}.${k}`, 'must be a string');
    const tags = t.preference_tags ?? [];
    if (!Array.isArray(tags) || tags.some((x) => typeof x !== 'string'))
      fail(manifestFile, `${at}.preference_tags`, 'must be an array of strings');
    const evalName = (t.eval as string | undefined) ?? id;
    const qFile = path.join(evalDir, evalName, 'questions.json');
    return {
      id,
      index: i + 1,
      arc: (t.arc as string | undefined) ?? 'default',
      desc: (t.desc as string | undefined) ?? '',
      preferenceTags: tags as string[],
      agent: (t.agent as string | undefined) ?? 'main',
      session: (t.session as string | undefined) ?? null,
      questionsFile: qFile,
      rounds: loadRounds(qFile),
    };
  });
  return {
    root,
    manifestFile,
    name: typeof manifest.name === 'string' ? manifest.name : path.basename(root),
    evalDir,
    workspaceSrc,
    stateDir,
    days,
  };
}

/** `--days 1-12` / `3` / `1,4-6` → the selected days, in order. */
export function selectDays(set: BenchSet, spec: string | undefined): BenchDay[] {
  if (!spec) return set.days;
  const wanted = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new BenchDataError(`--days: '${part}' is not N or N-M`);
    const a = Number(m[1]);
    const b = m[2] ? Number(m[2]) : a;
    for (let d = a; d <= b; d++) wanted.add(d);
  }
  return set.days.filter((d) => wanted.has(d.index));
}
