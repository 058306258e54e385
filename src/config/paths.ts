import os from 'node:os';
import path from 'node:path';

/** Where MetaClaw keeps its config, store, skills, logs and pid file. */
export function metaclawHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.METACLAW_HOME;
  if (fromEnv && fromEnv.trim() !== '') return path.resolve(fromEnv);
  return path.join(os.homedir(), '.metaclaw');
}

export function defaultConfigPath(home: string): string {
  return path.join(home, 'config.yaml');
}

/** Resolve a configured path: absolute stays, `~/` expands, relative is under the home. */
export function resolveUnderHome(home: string, p: string): string {
  if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2));
  return path.isAbsolute(p) ? p : path.join(home, p);
}

export function pidFilePath(home: string): string {
  return path.join(home, 'metaclaw.pid');
}
