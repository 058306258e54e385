import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The interpreter a command runs (sys.executable), or null when it does not run. */
function interpreter(cmd: string, env: NodeJS.ProcessEnv): string | null {
  const r = spawnSync('/bin/sh', ['-c', `${cmd} -c 'import sys; print(sys.executable)'`], {
    env,
    encoding: 'utf8',
  });
  const exe = r.status === 0 ? r.stdout.trim() : '';
  return exe && fs.existsSync(exe) ? exe : null;
}

/**
 * Checker scripts are run as `python …` (as the reference runner does). The interpreter is
 * resolved once and linked as `python` and `python3` in a folder put first on PATH: that supplies
 * `python` where only `python3` exists, and skips version-manager shims (pyenv's cost seconds per
 * call on a busy machine). `note` says what was done or what is missing.
 */
export function checkerEnv(
  shimDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { env: NodeJS.ProcessEnv; note: string | null } {
  const py = interpreter('python', env);
  const py3 = interpreter('python3', env);
  const target = py ?? py3;
  if (!target)
    return {
      env,
      note: 'neither python nor python3 is on PATH: file-check rounds whose checkers use python will fail',
    };
  fs.mkdirSync(shimDir, { recursive: true });
  for (const [name, exe] of [
    ['python', target],
    ['python3', py3 ?? target],
  ] as const) {
    const link = path.join(shimDir, name);
    fs.rmSync(link, { force: true });
    fs.symlinkSync(exe, link);
  }
  return {
    env: { ...env, PATH: `${shimDir}${path.delimiter}${env.PATH ?? ''}` },
    note: py ? null : `python is not on PATH: checkers run python as ${target}`,
  };
}
