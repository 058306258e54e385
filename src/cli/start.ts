import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { App } from '../app.js';
import { resolveUnderHome } from '../config/paths.js';
import { createLogger, watchLogCap } from '../logging.js';
import { manageYoungGeneration } from '../memory.js';
import { CliError, type GlobalOptions, loadOrExit } from './context.js';
import { processAlive, removePidFile, runningService, writePidFile } from './pidfile.js';

interface StartOptions extends GlobalOptions {
  foreground?: boolean;
  port?: string;
  waitMs?: string;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('start the proxy (in the background unless --foreground)')
    .option('--foreground', 'stay attached; log to stdout; Ctrl-C stops')
    .option('--port <port>', 'listen on this port instead of proxy.port')
    .option('--wait-ms <ms>', 'how long to wait for the background service to answer', '20000')
    .action(async (opts: StartOptions, cmd: Command) => {
      const all = { ...cmd.optsWithGlobals(), ...opts } as StartOptions;
      if (all.foreground) await runForeground(all);
      else await startBackground(all);
    });
}

function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`--port must be 0-65535, got ${raw}`, 2);
  return n;
}

async function runForeground(opts: StartOptions): Promise<void> {
  const loaded = loadOrExit(opts);
  const existing = runningService(loaded.home);
  if (existing && existing.pid !== process.pid) {
    throw new CliError(`MetaClaw is already running (pid ${existing.pid}) at ${existing.url}`);
  }
  const log = createLogger({ level: loaded.config.logging.level, format: loaded.config.logging.format });
  // As a background service stdout is the log file: keep it size-capped (logging.max_bytes).
  watchLogCap(resolveUnderHome(loaded.home, loaded.config.logging.file), loaded.config.logging.max_bytes);
  const app = await App.create({ loaded, port: parsePort(opts.port), log });
  try {
    await app.start();
  } catch (err) {
    // Exit now: background components (watchers, timers) would otherwise keep the process alive.
    console.error(`metaclaw: ${(err as Error).message}`);
    await app.stop(0).catch(() => {});
    process.exit(1);
  }
  // A long-running service: its young generation grows only under concurrent load and goes
  // back once it is quiet (see memory.ts).
  const youngGeneration = manageYoungGeneration({
    inflight: () => app.inflightRequests,
    lastActivityAt: () => app.lastRequestAt,
  });
  writePidFile(loaded.home, {
    pid: process.pid,
    url: app.url,
    startedAt: Date.now(),
    configFile: loaded.file,
  });
  process.stderr.write(`MetaClaw listening on ${app.url}\n`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      // A second Ctrl-C means now: in-flight requests are cut, the store is safe (WAL).
      if (signal === 'SIGINT') {
        process.stderr.write('MetaClaw: stopping now\n');
        removePidFile(loaded.home, process.pid);
        process.exit(130);
      }
      return;
    }
    stopping = true;
    const n = app.inflightRequests;
    if (signal === 'SIGINT')
      process.stderr.write(
        `MetaClaw: stopping${n > 0 ? `, waiting for ${n} request${n === 1 ? '' : 's'} in flight` : ''} (Ctrl-C again to quit now)\n`,
      );
    log.info({ signal, inflight: n }, 'shutting down');
    youngGeneration.stop();
    await app.stop();
    removePidFile(loaded.home, process.pid);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

async function startBackground(opts: StartOptions): Promise<void> {
  const loaded = loadOrExit(opts);
  const existing = runningService(loaded.home);
  if (existing) {
    console.log(`MetaClaw is already running (pid ${existing.pid}) at ${existing.url}`);
    return;
  }
  const logFile = resolveUnderHome(loaded.home, loaded.config.logging.file);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const startOffset = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
  const out = fs.openSync(logFile, 'a', 0o600);
  const bin = fileURLToPath(new URL('../../bin/metaclaw.js', import.meta.url));
  const args = [bin, 'start', '--foreground'];
  if (opts.config) args.push('--config', opts.config);
  if (opts.port) args.push('--port', opts.port);
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: process.env,
  });
  child.unref();
  fs.closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + Number(opts.waitMs ?? 20000);
  while (Date.now() < deadline) {
    const raced = await Promise.race([exited, new Promise((r) => setTimeout(() => r('tick'), 150))]);
    if (raced !== 'tick') {
      throw new CliError(
        `MetaClaw failed to start (exit ${raced}):\n${tail(logFile, startOffset)}`,
        raced === 2 ? 2 : 1,
      );
    }
    const info = runningService(loaded.home);
    if (info && info.pid === child.pid && (await healthy(info.url))) {
      console.log(`MetaClaw is running (pid ${info.pid}) at ${info.url}`);
      console.log(`Logs: ${logFile}`);
      return;
    }
  }
  if (child.pid && processAlive(child.pid)) process.kill(child.pid, 'SIGTERM');
  throw new CliError(
    `MetaClaw did not answer /healthz within ${opts.waitMs} ms:\n${tail(logFile, startOffset)}`,
  );
}

export async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

function tail(file: string, from: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8').slice(from);
    return text.trim().split('\n').slice(-15).join('\n') || '(no log output)';
  } catch {
    return '(no log output)';
  }
}
