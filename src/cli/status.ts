import fs from 'node:fs';
import type { Command } from 'commander';
import { type LoadedConfig, storePath } from '../config/load.js';
import { resolveUpstream } from '../config/upstream.js';
import { localDay } from '../learning/budget.js';
import { SampleQueue } from '../learning/rl/samples.js';
import { currentGeneration, loadTurnSets } from '../learning/sets.js';
import { openStore } from '../store/db.js';
import { JobQueue } from '../store/jobs.js';
import { JUDGE_HEALTH_HINT, type JudgeHealthReport, JudgeHealthRepository } from '../store/judge-health.js';
import { SessionRepository } from '../store/sessions.js';
import { TrainingStepRepository } from '../store/training.js';
import { TurnRepository } from '../store/turns.js';
import { type GlobalOptions, loadOrExit, printJson } from './context.js';
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
      const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
      const report = await statusReport(loaded);
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
  const upstream = resolveUpstream(loaded.config);
  const dbFile = storePath(loaded);
  let counts: { sessions: number; turns: number; open_sessions: number } | null = null;
  let judgeHealth: JudgeHealthReport | null = null;
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
          base_url: upstream.baseUrl,
          model: upstream.model ?? null,
          source: upstream.source,
        }
      : null,
    store: dbFile,
    ...counts,
    ...(judgeHealth ? { judge_health: judgeHealth } : {}),
    ...extras,
  };

  const text: string[] = [];
  text.push(
    status.running ? `MetaClaw is running (pid ${status.pid}) at ${status.url}` : 'MetaClaw is not running',
  );
  text.push(`  config:   ${status.config}`);
  text.push(
    `  upstream: ${upstream ? `${upstream.provider} ${upstream.baseUrl}${upstream.model ? ` (model ${upstream.model})` : ''}` : 'not configured'}`,
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
  for (const [k, v] of Object.entries(extras))
    text.push(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return { json: status, text };
}
