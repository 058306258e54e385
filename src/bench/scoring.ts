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

const OUTPUT_LIMIT = 64 * 1024;

/** Runs the round's checker with /bin/sh in the workspace (the reference uses a POSIX shell). */
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
    let stdout = '';
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => {
      if (stdout.length < OUTPUT_LIMIT) stdout += b.toString('utf8');
    });
    child.stderr.resume();
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ev = round.eval;
      let passed = !timedOut && code === ev.expect_exit;
      if (passed && ev.expect_stdout !== undefined) {
        passed = ev.expect_stdout_regex
          ? new RegExp(ev.expect_stdout).test(stdout)
          : stdout.includes(ev.expect_stdout);
      }
      resolve({ passed, exitCode: code, timedOut, stdout });
    });
    child.on('error', () => {
      clearTimeout(timer);
      resolve({ passed: false, exitCode: null, timedOut, stdout });
    });
  });
}
