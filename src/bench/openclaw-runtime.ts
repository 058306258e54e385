import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/*
 * Where `--agent openclaw` finds OpenClaw and a Node to run it (OpenClaw needs Node >= 24.16,
 * MetaClaw itself runs on Node 20): the flags, then the agent cache of `npm run agents:install`,
 * then PATH. Nothing is downloaded at run time.
 */

export const MIN_NODE: [number, number] = [24, 16];
export interface OpenClawRuntime {
  /** A Node ≥ 24.16 binary. */
  node: string;
  /** OpenClaw's entry script (`openclaw.mjs` of the npm package). */
  entry: string;
}

export class OpenClawNotFound extends Error {}

const INSTALL_HINT =
  'install it with `npm install -g openclaw` (needs Node >= 24.16) and pass --openclaw-bin and --openclaw-node, ' +
  'or in a MetaClaw checkout run `npm run agents:install` (pinned OpenClaw and Node 24 into ~/.cache/metaclaw-test-agents)';

function which(cmd: string, env: NodeJS.ProcessEnv): string | null {
  const r = spawnSync('/bin/sh', ['-c', `command -v ${cmd}`], { env, encoding: 'utf8' });
  const p = r.status === 0 ? r.stdout.trim() : '';
  return p ? fs.realpathSync(p) : null;
}

/** The newest set of `npm run agents:install` (the agent cache), when there is one. */
function cachedSet(env: NodeJS.ProcessEnv): { node: string; entry: string } | null {
  const root = env.METACLAW_AGENT_CACHE || path.join(os.homedir(), '.cache', 'metaclaw-test-agents');
  if (!fs.existsSync(root)) return null;
  const sets = fs
    .readdirSync(root)
    .filter((d) => d.includes('openclaw-') && fs.existsSync(path.join(root, d, 'manifest.json')))
    .sort();
  const dir = sets.at(-1);
  if (!dir) return null;
  const entry = path.join(root, dir, 'agents', 'node_modules', 'openclaw', 'openclaw.mjs');
  const node = path.join(
    root,
    dir,
    'node',
    'node_modules',
    `node-${process.platform}-${process.arch}`,
    'bin',
    'node',
  );
  return fs.existsSync(entry) ? { node, entry } : null;
}

/** `v24.22.3` → true when at least MIN_NODE. */
export function nodeVersionOk(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!m) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > MIN_NODE[0] || (maj === MIN_NODE[0] && min >= MIN_NODE[1]);
}

/**
 * Finds OpenClaw and a Node to run it: `--openclaw-bin` / `--openclaw-node` first, then the agent
 * cache, then `openclaw` and `node` on PATH. Throws OpenClawNotFound saying how to install.
 */
export function resolveOpenClaw(
  o: { bin?: string; node?: string; env?: NodeJS.ProcessEnv } = {},
): OpenClawRuntime {
  const env = o.env ?? process.env;
  const cache = cachedSet(env);
  let entry: string | null;
  if (o.bin) {
    if (!fs.existsSync(o.bin)) throw new OpenClawNotFound(`--openclaw-bin ${o.bin}: no such file`);
    entry = fs.realpathSync(o.bin);
  } else entry = cache ? fs.realpathSync(cache.entry) : which('openclaw', env);
  if (!entry) throw new OpenClawNotFound(`--agent openclaw: OpenClaw not found; ${INSTALL_HINT}`);
  let node: string | null;
  if (o.node) {
    if (!fs.existsSync(o.node)) throw new OpenClawNotFound(`--openclaw-node ${o.node}: no such file`);
    node = o.node;
  } else if (cache && entry === fs.realpathSync(cache.entry) && fs.existsSync(cache.node)) node = cache.node;
  else node = which('node', env);
  if (!node) throw new OpenClawNotFound(`--agent openclaw: no node found to run ${entry}; ${INSTALL_HINT}`);
  const v = spawnSync(node, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const version = (v.stdout ?? '').trim();
  if (v.status !== 0 || !nodeVersionOk(version))
    throw new OpenClawNotFound(
      `--agent openclaw: OpenClaw needs Node >= ${MIN_NODE.join('.')}, but ${node} is ${version || 'not runnable'}; ` +
        `pass --openclaw-node PATH to a newer node, or ${INSTALL_HINT}`,
    );
  return { node, entry };
}
