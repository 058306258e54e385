// A MetaClaw home for benchmarks, set up as users get it, and the proxy started in it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ManagedChild, spawnReady } from './process.js';

export interface HomeOptions {
  /** The checkout whose build (bin/metaclaw.js, dist/, skills-starter/) is run. */
  root: string;
  upstreamUrl: string;
  /** Install the starter skills, as `metaclaw setup` does for a new library (`skills init`). */
  starterSkills: boolean;
}

/** The environment of a proxy as users run it: no upstream settings leaking in from this shell. */
export function proxyEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, METACLAW_HOME: home };
  for (const k of Object.keys(env)) {
    if (/^(OPENAI|ANTHROPIC)_/.test(k) || k === 'NODE_OPTIONS') delete env[k];
  }
  return env;
}

/** A temp METACLAW_HOME with a config for `upstreamUrl` (caller removes it). */
export function makeHome(o: HomeOptions): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'metaclaw-bench-proxy-'));
  fs.writeFileSync(
    path.join(home, 'config.yaml'),
    [
      'upstream:',
      '  provider: openai',
      `  base_url: ${o.upstreamUrl}/v1`,
      '  api_key: x',
      // The request path is what is measured here; judging (background LLM calls that would hit
      // the same local fake and cores) is measured by bench:learning.
      'judge:',
      '  enabled: false',
      'logging:',
      '  level: warn',
      '',
    ].join('\n'),
  );
  if (o.starterSkills) {
    execFileSync(process.execPath, [path.join(o.root, 'bin', 'metaclaw.js'), 'skills', 'init'], {
      cwd: home,
      env: proxyEnv(home),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
  return home;
}

/** `metaclaw start --foreground --port 0` in `home`; resolves once it listens (match[1] = its URL). */
export function startProxy(root: string, home: string, nodeFlags: string[] = []): Promise<ManagedChild> {
  return spawnReady(
    process.execPath,
    [...nodeFlags, path.join(root, 'bin', 'metaclaw.js'), 'start', '--foreground', '--port', '0'],
    {
      cwd: home,
      env: proxyEnv(home),
      readyPattern: /MetaClaw listening on (\S+)/,
      readyStream: 'stderr',
      timeoutMs: 30_000,
      tailBytes: 64 * 1024,
    },
  );
}
