import fs from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../config/errors.js';
import { type LoadedConfig, loadConfig, storePath } from '../config/load.js';
import { resolveUnderHome } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import { resolveUpstream } from '../config/upstream.js';
import { checkEndpoint, wiredEndpoint } from '../integrations/endpoints.js';
import { INTEGRATIONS, integrationContext, proxyUrlFor } from '../integrations/registry.js';
import { loadWiringState } from '../integrations/state.js';
import type { AgentId } from '../integrations/types.js';
import { checkUpstream } from '../integrations/upstream-check.js';
import { localDay } from '../learning/call-budget.js';
import { resolveLlmEndpoint } from '../learning/llm-client.js';
import { readSignals } from '../scheduler/read.js';
import { buildSignals } from '../scheduler/runtime.js';
import { openStore, storeIntact } from '../store/db.js';
import { JUDGE_HEALTH_HINT, JudgeHealthRepository, judgeHealthWarning } from '../store/judge-health.js';
import { type GlobalOptions, printJson } from './context.js';
import { runningService } from './pidfile.js';
import { healthy } from './start.js';

export interface Check {
  name: string;
  /** `warn` is worth knowing but not broken: it does not fail the exit status. */
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  hint?: string;
}

const MARK = { ok: '✓', warn: '!', fail: '✗' } as const;

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check config, upstream, judge, store, skills, scheduler signals and agent wiring')
    .option('--json', 'machine-readable output')
    .option('--timeout-ms <ms>', 'per network check', '10000')
    .action(async (opts: { json?: boolean; timeoutMs: string }, cmd: Command) => {
      const checks = await runDoctor(
        cmd.optsWithGlobals() as GlobalOptions,
        process.env,
        Number(opts.timeoutMs),
      );
      const ok = checks.every((c) => c.status !== 'fail');
      if (opts.json) printJson({ ok, checks });
      else
        for (const c of checks) {
          console.log(`${MARK[c.status]} ${c.name.padEnd(10)} ${c.detail}`);
          if (c.hint && c.status !== 'ok') console.log(`  ${' '.repeat(10)} fix: ${c.hint}`);
        }
      if (!ok) process.exitCode = 1;
    });
}

export async function runDoctor(
  opts: GlobalOptions,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<Check[]> {
  const checks: Check[] = [];
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig({ configFile: opts.config, env });
    checks.push({
      name: 'config',
      status: 'ok',
      detail: `${loaded.file}${loaded.fileExists ? '' : ' (not created: all defaults)'}`,
    });
  } catch (err) {
    const key = err instanceof ConfigError && err.key ? ` (metaclaw config set ${err.key} …)` : '';
    checks.push({
      name: 'config',
      status: 'fail',
      detail: (err as Error).message,
      hint: `fix the file${key}`,
    });
    return checks;
  }
  const { config, home } = loaded;

  const svc = runningService(home);
  checks.push(
    svc && (await healthy(svc.url))
      ? { name: 'service', status: 'ok', detail: `running (pid ${svc.pid}) at ${svc.url}` }
      : { name: 'service', status: 'warn', detail: 'not running', hint: 'metaclaw start' },
  );

  const upstream = resolveUpstream(config, env);
  if (!upstream) {
    checks.push({
      name: 'upstream',
      status: 'fail',
      detail: 'no upstream configured',
      hint: 'metaclaw setup',
    });
  } else if (config.upstream.api_key_env && !env[config.upstream.api_key_env] && !config.upstream.api_key) {
    checks.push({
      name: 'upstream',
      status: 'fail',
      detail: `${config.upstream.api_key_env} (upstream.api_key_env) is not set in this environment`,
      hint: `export ${config.upstream.api_key_env}=… where MetaClaw runs`,
    });
  } else {
    const r = await checkUpstream(
      { ...upstream, anthropicVersion: config.upstream.anthropic_version },
      { timeoutMs },
    );
    checks.push(
      r.ok
        ? { name: 'upstream', status: 'ok', detail: `${upstream.provider} ${r.detail}` }
        : { name: 'upstream', status: 'fail', detail: r.detail, hint: r.hint },
    );
  }

  if (config.judge.enabled) {
    const judge = resolveLlmEndpoint(config.judge, config, env);
    const same = judge && upstream && judge.baseUrl === upstream.baseUrl && judge.apiKey === upstream.apiKey;
    if (!judge)
      checks.push({
        name: 'judge',
        status: 'fail',
        detail: 'no endpoint',
        hint: 'configure an upstream or judge.base_url',
      });
    else if (same)
      checks.push({
        name: 'judge',
        status: 'ok',
        detail: `uses the upstream${judge.model ? ` (model ${judge.model})` : ''}`,
      });
    else {
      const r = await checkUpstream(judge, { timeoutMs });
      checks.push(
        r.ok
          ? { name: 'judge', status: 'ok', detail: r.detail }
          : { name: 'judge', status: 'fail', detail: r.detail, hint: r.hint },
      );
    }
  } else
    checks.push({
      name: 'judge',
      status: 'warn',
      detail: 'disabled (judge.enabled: false): no learning from turns',
    });

  const running = svc && (await healthy(svc.url)) ? svc : null;
  if (running) checks.push(await storeWritesCheck(running.url, storePath(loaded)));
  checks.push(storeCheck(storePath(loaded)));
  if (config.judge.enabled) checks.push(...judgeHealthChecks(storePath(loaded)));
  if (config.skills.enabled) checks.push(skillsCheck(resolveUnderHome(home, config.skills.dir)));

  const signals = buildSignals(config, { home, lastRequestAt: () => null, env });
  const readings = await readSignals(signals, Date.now(), config.scheduler.signal_timeout_ms);
  const note = config.scheduler.enabled ? '' : ' (scheduler disabled)';
  for (const r of readings)
    checks.push(
      r.error
        ? {
            name: `signal`,
            status: 'warn',
            detail: `${r.signal}: unavailable on this machine${note}: ${r.error}`,
            hint: SIGNAL_HINTS[r.signal],
          }
        : { name: `signal`, status: 'ok', detail: `${r.signal}: works${note} — ${r.detail}` },
    );

  const ctx = integrationContext({ loaded, say: () => {} });
  const state = loadWiringState(home, ctx.userHome);
  const wired = Object.keys(state) as (keyof typeof state)[];
  if (wired.length === 0)
    checks.push({
      name: 'agents',
      status: 'warn',
      detail: 'no agent wired',
      hint: 'metaclaw integrate openclaw|claude-code|codex',
    });
  const service = running;
  for (const id of wired) {
    const s = INTEGRATIONS[id].status(ctx);
    if (!s.wired) {
      checks.push({
        name: 'agents',
        status: 'fail',
        detail: `${id}: ${s.detail}`,
        hint: `metaclaw integrate ${id} (or --remove)`,
      });
      continue;
    }
    checks.push(await agentEndpointCheck(id, ctx.userHome, config, service, env, s.detail));
  }
  return checks;
}

/**
 * A wired agent's URL and key, as its own file holds them, against the running service (a real
 * request) or, when none runs, against proxy.host/port and proxy.api_key.
 */
async function agentEndpointCheck(
  id: AgentId,
  userHome: string,
  config: Config,
  service: { url: string } | null,
  env: NodeJS.ProcessEnv,
  wiredDetail: string,
): Promise<Check> {
  const fix = `metaclaw integrate ${id}   (re-wires it with the current proxy.port and proxy.api_key)`;
  const ep = wiredEndpoint(id, userHome, env);
  if (!ep) return { name: 'agents', status: 'ok', detail: `${id}: ${wiredDetail}` };
  if (service) {
    const r = await checkEndpoint(ep, service);
    return r.ok
      ? { name: 'agents', status: 'ok', detail: `${id}: ${r.detail}` }
      : { name: 'agents', status: 'fail', detail: `${id}: ${r.detail}`, hint: fix };
  }
  const expected = proxyUrlFor(config);
  if (ep.url !== expected)
    return {
      name: 'agents',
      status: 'fail',
      detail: `${id}: points at ${ep.url}, but proxy.host/port say ${expected}`,
      hint: fix,
    };
  const key = config.proxy.api_key;
  if (key && ep.key !== undefined && ep.key !== key)
    return {
      name: 'agents',
      status: 'fail',
      detail: `${id}: the key in ${ep.keySource} is not proxy.api_key (requests will get 401)`,
      hint: fix,
    };
  return { name: 'agents', status: 'ok', detail: `${id}: points at ${ep.url} (service not running)` };
}

const SIGNAL_HINTS: Record<string, string> = {
  'system-idle':
    'Linux: install xprintidle (X11) or run GNOME (Wayland); headless machines fall back to proxy inactivity',
  calendar: 'check scheduler.calendar.ics (URL reachable, file readable)',
};

/** The running service's own count of failed turn writes (a full disk loses nothing silently). */
async function storeWritesCheck(url: string, file: string): Promise<Check> {
  let w:
    | { ok?: boolean; failed_writes?: number; last_error?: string | null; since?: number | null }
    | undefined;
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    w = ((await res.json()) as { store_writes?: typeof w }).store_writes;
  } catch {
    return { name: 'store writes', status: 'warn', detail: `could not read ${url}/healthz` };
  }
  if (w?.ok !== false) return { name: 'store writes', status: 'ok', detail: 'every turn is being recorded' };
  return {
    name: 'store writes',
    status: 'fail',
    detail: `${w.failed_writes ?? '?'} turn writes failed${w.since ? ` since ${new Date(w.since).toISOString()}` : ''}${w.last_error ? `: ${w.last_error}` : ''}`,
    hint: `free disk space or fix permissions for ${file}; writes resume by themselves`,
  };
}

function storeCheck(file: string): Check {
  if (!fs.existsSync(file))
    return { name: 'store', status: 'ok', detail: `${file} (created at first start)` };
  try {
    const db = openStore(file);
    try {
      const ok = storeIntact(db);
      return ok
        ? { name: 'store', status: 'ok', detail: `${file} healthy` }
        : {
            name: 'store',
            status: 'fail',
            detail: `${file} failed its integrity check`,
            hint: 'restore it from a backup or move it aside',
          };
    } finally {
      db.close();
    }
  } catch (err) {
    return {
      name: 'store',
      status: 'fail',
      detail: (err as Error).message,
      hint: 'check the file permissions and free disk space',
    };
  }
}

/** Today's judge votes: a warning per judge model whose replies too often lack a `Score:` line. */
export function judgeHealthChecks(file: string, now = new Date()): Check[] {
  if (!fs.existsSync(file)) return [];
  let report: ReturnType<JudgeHealthRepository['report']>;
  try {
    const db = openStore(file);
    try {
      report = new JudgeHealthRepository(db).report(localDay(now));
    } finally {
      db.close();
    }
  } catch {
    return []; // the store check reports why the store cannot be read
  }
  return report.models.map((m) =>
    m.unhealthy
      ? {
          name: 'judge',
          status: 'warn',
          detail: judgeHealthWarning({ ...m, day: report.day }),
          hint: JUDGE_HEALTH_HINT,
        }
      : {
          name: 'judge',
          status: 'ok',
          detail: `model ${m.model} today: ${m.votes} votes, ${m.invalid} without a Score line`,
        },
  );
}

function skillsCheck(dir: string): Check {
  if (!fs.existsSync(dir)) return { name: 'skills', status: 'ok', detail: `${dir} (created at first start)` };
  try {
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK);
    const n = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).length;
    return { name: 'skills', status: 'ok', detail: `${dir} readable (${n} skill folders)` };
  } catch (err) {
    return {
      name: 'skills',
      status: 'fail',
      detail: `${dir}: ${(err as Error).message}`,
      hint: `chmod u+rx ${dir}`,
    };
  }
}
