import fs from 'node:fs';
import { pidFilePath } from '../config/paths.js';

export interface PidInfo {
  pid: number;
  url: string;
  startedAt: number;
  configFile: string;
}

export function readPidFile(home: string): PidInfo | null {
  try {
    return JSON.parse(fs.readFileSync(pidFilePath(home), 'utf8')) as PidInfo;
  } catch {
    return null;
  }
}

export function writePidFile(home: string, info: PidInfo): void {
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(pidFilePath(home), JSON.stringify(info), { mode: 0o600 });
}

export function removePidFile(home: string, pid: number): void {
  const current = readPidFile(home);
  if (current && current.pid !== pid) return; // another instance owns it now
  fs.rmSync(pidFilePath(home), { force: true });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running service, if the pid file names a live process. */
export function runningService(home: string): PidInfo | null {
  const info = readPidFile(home);
  return info && processAlive(info.pid) ? info : null;
}
