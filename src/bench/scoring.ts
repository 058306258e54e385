import { spawn } from 'node:child_process';
import type { FileCheckRound, MultiChoiceRound } from './dataset.js';
import { killGroup } from './kill.js';

/**
 * The letters inside the first `\bbox{…}` or `\boxed{…}` of an answer; null when there is none
 * or it is empty (scored 0, and the format reminder is sent as feedback).
 */
export function extractChoice(answer: string): string[] | null {
  const m = /\\(?:bbox|boxed)\{([^}]*)\}/.exec(answer);
  if (!m) return null;
  const letters = (m[1] ?? '').toUpperCase().match(/[A-Z]/g);
  return letters && letters.length > 0 ? [...new Set(letters)] : null;
}

export interface McScore {
  score: number;
  exact: boolean;
  chosen: string[] | null;
}

/** 1 − (FP + FN) / number of options, not clamped (as the reference), plus exact match. */
export function scoreMultiChoice(round: MultiChoiceRound, answer: string): McScore {
  const chosen = extractChoice(answer);
  if (!chosen) return { score: 0, exact: false, chosen: null };
  const want = new Set(round.eval.answer);
  const got = new Set(chosen);
  const fp = [...got].filter((o) => !want.has(o)).length;
  const fn = [...want].filter((o) => !got.has(o)).length;
  return { score: 1 - (fp + fn) / round.eval.options.length, exact: fp === 0 && fn === 0, chosen };
}

export interface FileCheckScore {
  passed: boolean;
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
}

// Checkers print little; the cap only guards memory (the reference keeps all output).
const OUTPUT_LIMIT = 4 * 1024 * 1024;

const RE_SEARCH =
  'import re,sys; sys.exit(0 if re.search(sys.argv[1], sys.stdin.buffer.read().decode("utf-8","replace")) else 1)';

/**
 * `expect_stdout_regex` patterns are Python `re` patterns (the reference runs `re.search`), so
 * they are matched by Python itself rather than translated to a JS RegExp. An invalid pattern or a
 * missing Python fails the round, like an exception in the reference's checker.
 */
export function pythonSearch(pattern: string, text: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(
      '/bin/sh',
      ['-c', 'exec "$(command -v python3 || command -v python)" -c "$0" "$1"', RE_SEARCH, pattern],
      {
        env,
        stdio: ['pipe', 'ignore', 'ignore'],
      },
    );
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
    child.stdin.on('error', () => {});
    child.stdin.end(text);
  });
}

/** Runs the round's checker with /bin/sh in the workspace (the reference: `subprocess.run(shell=True)`). */
export function scoreFileCheck(
  round: FileCheckRound,
  workspace: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<FileCheckScore> {
  const timeoutMs = (round.eval.timeout ?? 30) * 1000;
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', round.eval.command], {
      cwd: workspace,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => {
      if (size < OUTPUT_LIMIT) chunks.push(b);
      size += b.length;
    });
    child.stderr.resume();
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.on('close', async (code) => {
      clearTimeout(timer);
      // The reference reads stdout as text (universal newlines), so \r\n and \r become \n.
      const stdout = Buffer.concat(chunks).toString('utf8').replace(/\r\n?/g, '\n');
      const ev = round.eval;
      let passed = !timedOut && code === ev.expect_exit;
      if (passed && ev.expect_stdout !== undefined) {
        passed = ev.expect_stdout_regex
          ? await pythonSearch(ev.expect_stdout, stdout, env)
          : stdout.includes(ev.expect_stdout);
      }
      resolve({ passed, exitCode: code, timedOut, stdout });
    });
    child.on('error', () => {
      clearTimeout(timer);
      resolve({ passed: false, exitCode: null, timedOut, stdout: '' });
    });
  });
}
