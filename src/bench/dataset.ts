import fs from 'node:fs';
import path from 'node:path';

/**
 * MetaClaw-Bench data as published in the MetaClaw repository: a manifest `all_tests.json` whose
 * tests name a day (`eval/dayNN/questions.json`), and rounds of type `multi_choice` or
 * `file_check`. Validation errors name the file and the field so a malformed set is fixable.
 */
export interface MultiChoiceRound {
  id: string;
  type: 'multi_choice';
  question: string;
  feedback: { correct: string; options: Record<string, string> };
  eval: { options: string[]; answer: string[] };
}

export interface FileCheckRound {
  id: string;
  type: 'file_check';
  question: string;
  feedback: { correct: string; incorrect: string };
  eval: {
    command: string;
    expect_exit: number;
    expect_stdout?: string;
    expect_stdout_regex?: boolean;
    timeout?: number;
  };
}

export type BenchRound = MultiChoiceRound | FileCheckRound;

export interface BenchDay {
  id: string;
  /** 1-based position in the manifest, used by `--days`. */
  index: number;
  arc: string;
  /** The manifest's `session`: the seed transcript's file name (without .jsonl), when given. */
  session: string | null;
  questionsFile: string;
  rounds: BenchRound[];
}

export interface BenchSet {
  root: string;
  days: BenchDay[];
}

export class BenchDataError extends Error {}

function fail(file: string, field: string, what: string): never {
  throw new BenchDataError(`${file}: ${field} ${what}`);
}

function readJson(file: string): unknown {
  if (!fs.existsSync(file)) throw new BenchDataError(`${file}: file not found`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BenchDataError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

function str(obj: Record<string, unknown>, key: string, file: string, at: string): string {
  const v = obj[key];
  if (typeof v !== 'string') fail(file, `${at}.${key}`, 'must be a string');
  return v;
}

function record(v: unknown, file: string, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(file, at, 'must be an object');
  return v as Record<string, unknown>;
}

/**
 * The manifest's paths are relative to the MetaClaw repository root (`./benchmark/data/<set>/…`);
 * with `--data` at the set's own folder (whatever it is called), that prefix is dropped.
 */
export function resolveSetPath(root: string, p: string): string {
  const norm = p.replace(/^\.\//, '');
  const direct = path.resolve(root, norm);
  if (fs.existsSync(direct)) return direct;
  const m = /^benchmark\/data\/[^/]+\/(.*)$/.exec(norm);
  return m ? path.join(root, m[1]!) : direct;
}

function parseRound(raw: unknown, file: string, i: number): BenchRound {
  const at = `rounds[${i}]`;
  const r = record(raw, file, at);
  const id = str(r, 'id', file, at);
  const question = str(r, 'question', file, at);
  const fb = record(r.feedback, file, `${at}.feedback`);
  const ev = record(r.eval, file, `${at}.eval`);
  if (r.type === 'multi_choice') {
    const options = ev.options;
    const answer = ev.answer;
    if (!Array.isArray(options) || options.some((o) => typeof o !== 'string') || options.length === 0)
      fail(file, `${at}.eval.options`, 'must be a non-empty array of option letters');
    if (!Array.isArray(answer) || answer.some((o) => typeof o !== 'string'))
      fail(file, `${at}.eval.answer`, 'must be an array of option letters');
    const optFb = fb.options === undefined ? {} : record(fb.options, file, `${at}.feedback.options`);
    return {
      id,
      type: 'multi_choice',
      question,
      feedback: {
        correct: str(fb, 'correct', file, `${at}.feedback`),
        options: Object.fromEntries(Object.entries(optFb).map(([k, v]) => [k, String(v)])),
      },
      eval: { options: options as string[], answer: answer as string[] },
    };
  }
  if (r.type === 'file_check') {
    const command = str(ev, 'command', file, `${at}.eval`);
    const exit = ev.expect_exit ?? 0;
    if (typeof exit !== 'number') fail(file, `${at}.eval.expect_exit`, 'must be a number');
    if (ev.expect_stdout !== undefined && typeof ev.expect_stdout !== 'string')
      fail(file, `${at}.eval.expect_stdout`, 'must be a string');
    if (ev.timeout !== undefined && (typeof ev.timeout !== 'number' || ev.timeout <= 0))
      fail(file, `${at}.eval.timeout`, 'must be a positive number of seconds');
    return {
      id,
      type: 'file_check',
      question,
      feedback: {
        correct: str(fb, 'correct', file, `${at}.feedback`),
        incorrect: str(fb, 'incorrect', file, `${at}.feedback`),
      },
      eval: {
        command,
        expect_exit: exit,
        ...(typeof ev.expect_stdout === 'string' ? { expect_stdout: ev.expect_stdout } : {}),
        ...(ev.expect_stdout_regex === true ? { expect_stdout_regex: true } : {}),
        ...(typeof ev.timeout === 'number' ? { timeout: ev.timeout } : {}),
      },
    };
  }
  fail(file, `${at}.type`, "must be 'multi_choice' or 'file_check'");
}

/** Loads and validates a whole set; `--data` points at the set's own folder. */
export function loadBenchSet(root: string): BenchSet {
  const abs = path.resolve(root);
  if (!fs.existsSync(abs)) throw new BenchDataError(`${abs}: data folder not found`);
  const manifestFile = path.join(abs, 'all_tests.json');
  const manifest = record(readJson(manifestFile), manifestFile, '(top level)');
  const tests = manifest.tests;
  if (!Array.isArray(tests) || tests.length === 0) fail(manifestFile, 'tests', 'must be a non-empty array');
  const days = tests.map((raw, i): BenchDay => {
    const at = `tests[${i}]`;
    const t = record(raw, manifestFile, at);
    const id = str(t, 'id', manifestFile, at);
    const evalPath = typeof t.eval === 'string' ? t.eval : path.join('eval', id);
    let qFile = resolveSetPath(abs, evalPath);
    if (!qFile.endsWith('.json')) qFile = path.join(qFile, 'questions.json');
    const q = record(readJson(qFile), qFile, '(top level)');
    if (!Array.isArray(q.rounds) || q.rounds.length === 0) fail(qFile, 'rounds', 'must be a non-empty array');
    return {
      id,
      index: i + 1,
      arc: typeof t.arc === 'string' ? t.arc : 'default',
      session: typeof t.session === 'string' ? t.session : null,
      questionsFile: qFile,
      rounds: q.rounds.map((r, j) => parseRound(r, qFile, j)),
    };
  });
  return { root: abs, days };
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
