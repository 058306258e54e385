import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Checker scripts are run as `python …` (as the reference runner does). When only `python3`
 * exists, a shim dir with `python` → python3 goes first on PATH; `note` says so.
 */
export function checkerEnv(
  shimDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { env: NodeJS.ProcessEnv; note: string | null } {
  const has = (cmd: string) => spawnSync('/bin/sh', ['-c', `command -v ${cmd}`], { env }).status === 0;
  if (has('python')) return { env, note: null };
  if (!has('python3'))
    return {
      env,
      note: 'neither python nor python3 is on PATH: file-check rounds whose checkers use python will fail',
    };
  const py3 = spawnSync('/bin/sh', ['-c', 'command -v python3'], { env, encoding: 'utf8' }).stdout.trim();
  fs.mkdirSync(shimDir, { recursive: true });
  const link = path.join(shimDir, 'python');
  fs.rmSync(link, { force: true });
  fs.symlinkSync(py3, link);
  return {
    env: { ...env, PATH: `${shimDir}${path.delimiter}${env.PATH ?? ''}` },
    note: `python is not on PATH: checkers run with a shim ${link} -> ${py3}`,
  };
}
