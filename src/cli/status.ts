import fs from 'node:fs';
import type { Command } from 'commander';
import { type LoadedConfig, storePath } from '../config/load.js';
import { pidFilePath } from '../config/paths.js';
import { redactUrl, resolveUpstream } from '../config/upstream.js';
import { localDay } from '../learning/call-budget.js';
import { SampleQueue } from '../learning/rl/samples.js';
import { currentGeneration, loadTurnSets } from '../learning/sets.js';
import { openStore } from '../store/db.js';
import { JobQueue } from '../store/jobs.js';
import { JUDGE_HEALTH_HINT, type JudgeHealthReport, JudgeHealthRepository } from '../store/judge-health.js';
import { SessionRepository } from '../store/sessions.js';
import { RlFailureRepository, TrainingStepRepository } from '../store/training.js';
import { TurnRepository } from '../store/turns.js';
import { type GlobalOptions, loadLenient, printJson } from './context.js';
import { runningService } from './pidfile.js';
import { healthy } from './start.js';

/** A section other components add to `metaclaw status` (skills, learning, scheduler …). */
export type StatusSection = (ctx: { dbFile: string }) => Record<string, unknown> | null;
const extraSections: StatusSection[] = [];
export function addStatusSection(s: StatusSection): void {
  extraSections.push(s);
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('is the service running, where, against which upstream, and what it has recorded')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const lenient = loadLenient(cmd.optsWithGlobals() as GlobalOptions);
      // A broken config must not hide a running service: report from the pid file alone.
      const report = lenient.loaded
        ? await statusReport(lenient.loaded)
        : await pidOnlyReport(lenient.home, lenient.error ?? 'config error');
      if (opts.json) printJson(report.json);
      else for (const line of report.text) console.log(line);
      if (!report.json.running) process.exitCode = 1;
    });
}

/** What `metaclaw status` prints, as JSON (`--json`) and as text lines. */
export async function statusReport(
  loaded: LoadedConfig,
  now = new Date(),
): Promise<{ json: Record<string, unknown> & { running: boolean }; text: string[] }> {
  const info = runningService(loaded.home);
  const answering = info ? await healthy(info.url) : false;
  const live = info && answering ? await liveState(info.url, loaded.config.proxy.api_key) : {};
  const upstream = resolveUpstream(loaded.config);
  const dbFile = storePath(loaded);
  let counts: { sessions: number; turns: number; open_sessions: number } | null = null;
  let judgeHealth: JudgeHealthReport | null = null;
  let rlFailures: RlFailureSummary | null = null;
  const extras: Record<string, unknown> = {};
  if (fs.existsSync(dbFile)) {
    const db = openStore(dbFile);
    try {
      const sessions = new SessionRepository(db);
      counts = {
        sessions: sessions.count(),
        open_sessions: sessions.listOpen().length,
        turns: new TurnRepository(db).count(),
      };
      const jobs = new JobQueue(db);
      const sets = loadTurnSets(db);
      extras.learning = {
        generation: currentGeneration(db),
        support_set: sets.support.length,
        query_set: sets.query.length,
        unjudged: sets.unjudged.length,
        jobs: jobs.counts(),
        last_errors: jobs.recentErrors(3).map((e) => `${e.kind}: ${e.error}`),
      };
      judgeHealth = new JudgeHealthRepository(db).report(localDay(now));
      if (loaded.config.rl.enabled) {
        const steps = new TrainingStepRepository(db);
        extras.rl = {
          policy_version: steps.policyVersion(),
          last_checkpoint: steps.latestCheckpoint(),
          samples: new SampleQueue(db).counts(),
        };
        // RL failures are stored (rl_failures), so they show even when the service is down.
        const failures = new RlFailureRepository(db);
        rlFailures = {
          unrecovered: failures.unrecovered(),
          recent: failures
            .recent(3)
            .filter((f) => f.recoveredAt === null)
            .map((f) => ({ at: f.at, kind: f.kind, message: f.message })),
        };
      }
    } finally {
      db.close();
    }
    for (const s of extraSections) Object.assign(extras, s({ dbFile }) ?? {});
  }
  const status = {
    running: Boolean(info && answering),
    pid: info?.pid ?? null,
    url: info?.url ?? null,
    config: loaded.file,
    upstream: upstream
      ? {
          provider: upstream.provider,
          base_url: redactUrl(upstream.baseUrl),
          model: upstream.model ?? null,
          source: upstream.source,
        }
      : null,
    store: dbFile,
    ...counts,
    ...(judgeHealth ? { judge_health: judgeHealth } : {}),
    ...live,
    ...(rlFailures ? { rl_failures: rlFailures } : {}),
    ...extras,
  };

  const text: string[] = [];
  text.push(
    status.running ? `MetaClaw is running (pid ${status.pid}) at ${status.url}` : 'MetaClaw is not running',
  );
  text.push(`  config:   ${status.config}`);
  text.push(
    `  upstream: ${upstream ? `${upstream.provider} ${redactUrl(upstream.baseUrl)}${upstream.model ? ` (model ${upstream.model})` : ''}` : 'not configured'}`,
  );
  text.push(`  store:    ${dbFile}`);
  if (counts)
    text.push(`  sessions: ${counts.sessions} (${counts.open_sessions} open), turns: ${counts.turns}`);
  if (judgeHealth && judgeHealth.models.length > 0)
    text.push(
      `  judge:    today ${judgeHealth.models.map((m) => `${m.model}: ${m.votes} votes, ${m.invalid} invalid`).join('; ')}`,
    );
  for (const w of judgeHealth?.warnings ?? []) {
    text.push(`  ! ${w}`);
    text.push(`    fix: ${JUDGE_HEALTH_HINT}`);
  }
  text.push(...liveLines({ ...live, ...(rlFailures ? { rl_failures: rlFailures } : {}) }));
  for (const [k, v] of Object.entries(extras))
    text.push(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return { json: status, text };
}

/** Status when the config file does not load: what the pid file and /healthz say, and the error. */
export async function pidOnlyReport(
  home: string,
  configError: string,
): Promise<{ json: Record<string, unknown> & { running: boolean }; text: string[] }> {
  const info = runningService(home);
  const answering = info ? await healthy(info.url) : false;
  const json = {
    running: info !== null,
    answering,
    pid: info?.pid ?? null,
    url: info?.url ?? null,
    pid_file: pidFilePath(home),
    config_error: configError,
  };
  const text = [
    info
      ? `MetaClaw is running (pid ${info.pid}) at ${info.url}${answering ? '' : ' but does not answer /healthz'}`
      : 'MetaClaw is not running',
    `  pid file: ${json.pid_file}`,
    `  config:   error: ${configError}`,
    '  (fix the config file to see the full status; `metaclaw stop` still works)',
  ];
  return { json, text };
}

/** What only the running service knows: turn-write health and settings awaiting a restart. */
async function liveState(url: string, apiKey: string | undefined): Promise<Record<string, unknown>> {
  const get = async (p: string): Promise<Record<string, unknown> | null> => {
    try {
      const res = await fetch(`${url}${p}`, {
        headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
        signal: AbortSignal.timeout(2000),
      });
      return (await res.json()) as Record<string, unknown>;
    } catch {
      return null;
    }
  };
  const [health, config] = await Promise.all([get('/healthz'), get('/v1/admin/config')]);
  const out: Record<string, unknown> = {};
  if (health?.store_writes) out.store_writes = health.store_writes;
  if (Array.isArray(config?.restart_needed)) out.restart_needed = config.restart_needed;
  return out;
}

interface RlFailureSummary {
  unrecovered: number;
  recent: { at: number; kind: string; message: string }[];
}

/** liveState (plus stored RL failures) as lines; fields a service version does not report are simply left out. */
export function liveLines(live: Record<string, unknown>): string[] {
  const lines: string[] = [];
  const w = live.store_writes as
    | { ok?: boolean; failed_writes?: number; last_error?: string | null; since?: number | null }
    | undefined;
  if (w?.ok === true) lines.push('  writes:   ok');
  else if (w?.ok === false)
    lines.push(
      `  ! store writes failing: ${w.failed_writes ?? '?'} failed${w.since ? ` since ${new Date(w.since).toLocaleString()}` : ''}${w.last_error ? ` (${w.last_error})` : ''}`,
    );
  const rl = live.rl_failures as RlFailureSummary | undefined;
  if (rl && rl.unrecovered > 0) {
    const last = rl.recent[0];
    lines.push(
      `  ! rl: ${rl.unrecovered} unrecovered failure${rl.unrecovered === 1 ? '' : 's'}${last ? `, last ${last.kind}: ${last.message}` : ''}`,
    );
  }
  const restart = live.restart_needed;
  if (Array.isArray(restart) && restart.length > 0)
    lines.push(`  ! restart needed for: ${restart.join(', ')} (metaclaw stop && metaclaw start)`);
  return lines;
}
