import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { claudeCodeIntegration } from './claude-code.js';
import { codexIntegration } from './codex.js';
import { genericIntegration } from './generic.js';
import { openclawIntegration } from './openclaw.js';
import type { AgentId, AgentIntegration, CommandRunner, IntegrationContext } from './types.js';

export const INTEGRATIONS: Record<AgentId, AgentIntegration> = {
  openclaw: openclawIntegration,
  'claude-code': claudeCodeIntegration,
  codex: codexIntegration,
  generic: genericIntegration,
};

/** The proxy as a local client reaches it: a wildcard bind address is reached through loopback. */
export function proxyUrlFor(config: Config): string {
  const h = config.proxy.host;
  const host =
    h === '0.0.0.0' || h === '::' || h === '[::]'
      ? '127.0.0.1'
      : h.includes(':') && !h.startsWith('[')
        ? `[${h}]`
        : h;
  return `http://${host}:${config.proxy.port}`;
}

export function whichOnPath(cmd: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, cmd + ext);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {}
    }
  }
  return null;
}

export const execRunner: CommandRunner = (file, args, opts) =>
  new Promise((resolve) => {
    execFile(file, args, { timeout: opts?.timeoutMs ?? 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({
        code,
        stdout: String(stdout),
        stderr: String(stderr || (err && !stderr ? err.message : '')),
      });
    });
  });

export interface ContextOptions {
  loaded: LoadedConfig;
  /** Defaults to os.homedir() (which follows $HOME on POSIX). */
  userHome?: string;
  /** Overrides upstream.model. */
  model?: string;
  say?: (line: string) => void;
  which?: (cmd: string) => string | null;
  run?: CommandRunner;
}

/** This package's CLI entry (bin/metaclaw.js at the package root, from src/ or dist/). */
export function metaclawBin(): string {
  return fileURLToPath(new URL('../../bin/metaclaw.js', import.meta.url));
}

/**
 * How an agent hook runs this MetaClaw: the node running now and this package's bin, by absolute
 * path; `--config FILE` when a config file is in use, so the hook reads the same proxy settings.
 */
export function metaclawCommandFor(loaded: LoadedConfig): string[] {
  const cmd = [process.execPath, metaclawBin()];
  if (loaded.fileExists) cmd.push('--config', path.resolve(loaded.file));
  return cmd;
}

/** Build an integration context from the config (removal and status need no model). */
export function integrationContext(o: ContextOptions): IntegrationContext {
  const model = o.model ?? o.loaded.config.upstream.model ?? '';
  return {
    userHome: o.userHome ?? os.homedir(),
    metaclawHome: o.loaded.home,
    proxyUrl: proxyUrlFor(o.loaded.config),
    proxyKey: o.loaded.config.proxy.api_key,
    metaclawCommand: metaclawCommandFor(o.loaded),
    model,
    which: o.which ?? ((cmd) => whichOnPath(cmd)),
    run: o.run ?? execRunner,
    say: o.say ?? ((line) => console.log(line)),
  };
}
