/*
 * The real agents the agent tests drive, installed from npm into a cache folder outside the project's
 * dependencies (so `npm ci` does not download ~1 GB of agents), at pinned versions, and reused between
 * runs:
 *
 *   $METACLAW_AGENT_CACHE (default ~/.cache/metaclaw-test-agents)/<one folder per pinned set>/
 *     node/    Node 24 from the npm package node-<platform>-<arch> (OpenClaw needs Node >= 24.16;
 *              MetaClaw itself keeps running on the system Node)
 *     agents/  @anthropic-ai/claude-code, @openai/codex and openclaw
 *     manifest.json
 *
 * A set is built in a temp folder beside its final place and renamed into it once every agent answered
 * `--version`, so a folder that exists is complete. Two runs that start at once: one takes the lock and
 * installs, the other waits for it (a lock whose owner died, or that is older than the install could
 * take, is taken over); the rename is the last word either way.
 *
 * Install scripts are not run (`--ignore-scripts`): none is needed. Claude Code's postinstall only copies
 * the native binary of its platform package over a placeholder, so the binary is run from the platform
 * package itself; Codex has no scripts (its launcher finds the vendored binary); OpenClaw's preinstall
 * only checks the Node version and its postinstall prunes files left by an older version, which a fresh
 * install does not have.
 *
 * Also a CLI: `npm run agents:install` (prints the manifest).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Bump when the layout of a set folder changes, so old caches are not reused. */
const LAYOUT = 1;

export const PINNED = {
  claudeCode: '2.1.197',
  codex: '0.169.0',
  openclaw: '2026.9.6',
  node: '24.22.3',
} as const;

export interface AgentSet {
  dir: string;
  /** Node 24 binary (for OpenClaw). */
  node: string;
  /** Claude Code's native binary. */
  claude: string;
  /** Codex's launcher script (`#!/usr/bin/env node`; runs the vendored native binary). */
  codex: string;
  /** OpenClaw's entry script: run it as `[node, openclaw]`. */
  openclaw: string;
  versions: { claude: string; codex: string; openclaw: string; node: string };
}

interface Manifest extends AgentSet {
  layout: number;
  installedAt: string;
  installMs: { node: number; agents: number };
  bytes: { node: number; agents: number };
}

export function cacheRoot(): string {
  return process.env.METACLAW_AGENT_CACHE || path.join(os.homedir(), '.cache', 'metaclaw-test-agents');
}

function platformKey(): string {
  return `${process.platform}-${process.arch}`;
}

/**
 * The folder of the pinned set, e.g.
 * `v1-claude-code-2.1.197-codex-0.169.0-openclaw-2026.9.6-node-24.22.3-linux-x64`.
 */
export function setDir(root = cacheRoot()): string {
  const p = PINNED;
  return path.join(
    root,
    `v${LAYOUT}-claude-code-${p.claudeCode}-codex-${p.codex}-openclaw-${p.openclaw}-node-${p.node}-${platformKey()}`,
  );
}

/** Paths inside a set folder (they exist once the folder does). */
export function agentPaths(dir = setDir()): Omit<AgentSet, 'versions'> {
  const mods = path.join(dir, 'agents', 'node_modules');
  return {
    dir,
    node: path.join(dir, 'node', 'node_modules', `node-${platformKey()}`, 'bin', 'node'),
    claude: claudeBinary(mods),
    codex: path.join(mods, '@openai', 'codex', 'bin', 'codex.js'),
    openclaw: path.join(mods, 'openclaw', 'openclaw.mjs'),
  };
}

/** Claude Code's per-platform package, as its own install.cjs picks it. */
function claudeBinary(mods: string): string {
  let key = platformKey();
  if (process.platform === 'linux') {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    if (report && report.header?.glibcVersionRuntime === undefined) key += '-musl';
  }
  const exe = process.platform === 'win32' ? 'claude.exe' : 'claude';
  return path.join(mods, '@anthropic-ai', `claude-code-${key}`, exe);
}

/** The installed set, or undefined when it is not (completely) installed. */
export function installedAgents(dir = setDir()): AgentSet | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    if (m.layout !== LAYOUT) return undefined;
    return { ...agentPaths(dir), versions: m.versions };
  } catch {
    return undefined;
  }
}

/** The npm CLI script of the npm running us (or the one on PATH), to run it under Node 24. */
async function npmCli(): Promise<string> {
  const fromEnv = process.env.npm_execpath;
  if (fromEnv && /npm-cli\.js$/.test(fromEnv)) return fromEnv;
  const { stdout } = await run('sh', ['-c', 'command -v npm']);
  const real = fs.realpathSync(stdout.trim());
  if (real.endsWith('.js')) return real;
  const guess = path.join(path.dirname(real), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (fs.existsSync(guess)) return guess;
  throw new Error(`cannot find npm-cli.js (npm on PATH is ${real})`);
}

/** Our environment minus what an outer `npm run` sets for its own project. */
function npmEnv(extraPath?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(lifecycle_|package_|command$|config_local_prefix$|config_allow_scripts$)/.test(k)) continue;
    if (k === 'INIT_CWD') continue;
    env[k] = v;
  }
  if (extraPath) env.PATH = `${extraPath}${path.delimiter}${env.PATH ?? ''}`;
  return env;
}

async function npmInstall(node: string, prefix: string, deps: Record<string, string>, extraPath?: string) {
  fs.mkdirSync(prefix, { recursive: true });
  fs.writeFileSync(
    path.join(prefix, 'package.json'),
    `${JSON.stringify({ name: 'metaclaw-test-agents', private: true, dependencies: deps }, null, 2)}\n`,
  );
  const started = Date.now();
  await run(
    node,
    [await npmCli(), 'install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: prefix, env: npmEnv(extraPath), maxBuffer: 64 * 1024 * 1024, timeout: 20 * 60_000 },
  );
  return Date.now() - started;
}

function bytesOf(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return n;
}

async function version(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run(file, args, {
    timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: os.tmpdir(), ...env },
  });
  return stdout.trim();
}

async function build(tmp: string, log: (s: string) => void): Promise<Manifest> {
  const paths = agentPaths(tmp);
  log(`installing node-${platformKey()}@${PINNED.node} …`);
  const nodeMs = await npmInstall(process.execPath, path.join(tmp, 'node'), {
    [`node-${platformKey()}`]: PINNED.node,
  });
  const n24 = path.dirname(paths.node);
  // npm itself runs under Node 24: OpenClaw's dependency tree expects it (engines >= 24.16).
  log(
    `installing @anthropic-ai/claude-code@${PINNED.claudeCode}, @openai/codex@${PINNED.codex}, openclaw@${PINNED.openclaw} …`,
  );
  const agentsMs = await npmInstall(
    paths.node,
    path.join(tmp, 'agents'),
    {
      '@anthropic-ai/claude-code': PINNED.claudeCode,
      '@openai/codex': PINNED.codex,
      openclaw: PINNED.openclaw,
    },
    n24,
  );
  // Every agent must start before the set counts as installed.
  const versions = {
    node: await version(paths.node, ['--version']),
    claude: await version(paths.claude, ['--version']),
    codex: await version(process.execPath, [paths.codex, '--version']),
    openclaw: await version(paths.node, [paths.openclaw, '--version'], {
      PATH: `${n24}${path.delimiter}${process.env.PATH ?? ''}`,
      OPENCLAW_NO_AUTO_UPDATE: '1',
    }),
  };
  const expect = (name: string, got: string, want: string) => {
    if (!got.includes(want))
      throw new Error(`${name} --version printed ${JSON.stringify(got)}, wanted ${want}`);
  };
  expect('node', versions.node, PINNED.node);
  expect('claude', versions.claude, PINNED.claudeCode);
  expect('codex', versions.codex, PINNED.codex);
  expect('openclaw', versions.openclaw, PINNED.openclaw);
  return {
    ...paths,
    versions,
    layout: LAYOUT,
    installedAt: new Date().toISOString(),
    installMs: { node: nodeMs, agents: agentsMs },
    bytes: { node: bytesOf(path.join(tmp, 'node')), agents: bytesOf(path.join(tmp, 'agents')) },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed installer whose parent died too can stay a zombie where nothing reaps it (containers).
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

const LOCK_STALE_MS = 30 * 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Install the pinned set unless it is there; returns its paths. Safe to call from several processes. */
export async function ensureAgents(log: (s: string) => void = () => {}): Promise<AgentSet> {
  const dir = setDir();
  const root = path.dirname(dir);
  fs.mkdirSync(root, { recursive: true });
  const lock = `${dir}.lock`;
  let waited = false;
  for (;;) {
    const have = installedAgents(dir);
    if (have) return have;
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), `${process.pid} ${os.hostname()}\n`);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // Someone else is installing: wait, unless they are gone.
    let stale = false;
    try {
      const [pid, host] = fs.readFileSync(path.join(lock, 'pid'), 'utf8').trim().split(' ');
      const age = Date.now() - fs.statSync(lock).mtimeMs;
      stale = age > LOCK_STALE_MS || (host === os.hostname() && !alive(Number(pid)));
    } catch {
      // The pid file is written right after mkdir; a lock without one for long is stale.
      stale = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 60_000;
    }
    if (stale) {
      fs.rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (!waited) log(`waiting for another run installing into ${dir} …`);
    waited = true;
    await sleep(1000);
  }
  try {
    const have = installedAgents(dir);
    if (have) return have;
    // A leftover from an interrupted install is not reused.
    for (const name of fs.readdirSync(root)) {
      if (name.startsWith(`${path.basename(dir)}.tmp-`))
        fs.rmSync(path.join(root, name), { recursive: true, force: true });
    }
    const tmp = `${dir}.tmp-${process.pid}`;
    const started = Date.now();
    log(`installing the test agents into ${dir}`);
    let manifest: Manifest;
    try {
      manifest = await build(tmp, log);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    // Paths in the manifest are the final ones.
    manifest = { ...manifest, ...agentPaths(dir) };
    fs.writeFileSync(path.join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      if (!installedAgents(dir)) throw err;
    }
    const mb = (b: number) => `${Math.round(b / 1e6)} MB`;
    log(
      `installed in ${Math.round((Date.now() - started) / 1000)} s (node ${mb(manifest.bytes.node)}, agents ${mb(manifest.bytes.agents)})`,
    );
    return installedAgents(dir)!;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

// `tsx test/agents/install.ts` (npm run agents:install)
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureAgents((s) => console.error(s)).then(
    (set) => {
      console.log(fs.readFileSync(path.join(set.dir, 'manifest.json'), 'utf8'));
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
