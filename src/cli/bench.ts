import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { BenchDataError, loadBenchSet, selectDays } from '../bench/dataset.js';
import { registerRun, writeReport } from '../bench/output.js';
import { progressBar } from '../bench/progress.js';
import { checkerEnv } from '../bench/python.js';
import { type ConditionSummary, comparisonTable } from '../bench/report.js';
import { BudgetExceeded, type ConditionEndpoint, runBench } from '../bench/runner.js';
import { type LearningService, startLearningService } from '../bench/service.js';
import { CliError, type GlobalOptions, loadOrExit, printJson } from './context.js';

interface RunOpts {
  data: string;
  out: string;
  days?: string;
  condition: string[];
  agent: string;
  model: string;
  upstream?: string;
  apiKeyEnv: string;
  home?: string;
  resume?: boolean;
  maxCalls?: string;
  maxTokens?: string;
}

const CONDITIONS = new Set(['baseline', 'skills', 'full']);

function loadSet(dir: string) {
  try {
    return loadBenchSet(dir);
  } catch (err) {
    if (err instanceof BenchDataError) throw new CliError(err.message, 2);
    throw err;
  }
}

async function run(opts: RunOpts, cmd: Command): Promise<void> {
  const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
  if (opts.agent !== 'builtin')
    throw new CliError(`--agent ${opts.agent}: only the built-in agent is available in this version`, 2);
  const conditions = opts.condition.length ? opts.condition : ['baseline', 'skills'];
  for (const c of conditions)
    if (!CONDITIONS.has(c)) throw new CliError(`--condition ${c}: use baseline, skills or full`, 2);
  const set = loadSet(opts.data);
  const days = selectDays(set, opts.days);
  if (days.length === 0) throw new CliError(`--days ${opts.days}: no day of ${set.root} selected`, 2);
  const out = path.resolve(opts.out);
  if (fs.existsSync(path.join(out, 'rounds')) && !opts.resume)
    throw new CliError(
      `${out} already holds a run: pass --resume to continue it, or choose another --out`,
      2,
    );
  fs.mkdirSync(out, { recursive: true });
  const baseUrl = opts.upstream ?? loaded.config.upstream.base_url;
  if (!baseUrl)
    throw new CliError(
      'no upstream: pass --upstream URL (OpenAI-compatible base URL) or set upstream.base_url',
      2,
    );
  // Local servers take no key; the OpenAI client still wants one.
  const apiKey = process.env[opts.apiKeyEnv] || 'none';
  const py = checkerEnv(path.join(out, '.bin'));
  if (py.note) console.error(`metaclaw bench: ${py.note}`);

  const services: LearningService[] = [];
  const endpoints: ConditionEndpoint[] = [];
  try {
    for (const c of conditions) {
      if (c === 'baseline') {
        endpoints.push({ name: c, baseUrl, apiKey });
        continue;
      }
      if (c === 'full' && !loaded.config.rl?.enabled)
        console.error(
          'metaclaw bench: condition full: rl.enabled is false in the config, so it runs as skills without policy training',
        );
      const home = opts.home ? path.join(path.resolve(opts.home), c) : path.join(out, 'homes', c);
      // The user's learning settings apply, but never their store, skills folder or port: a
      // bench run must not read or change the real library.
      const {
        proxy: _p,
        store: _s,
        scheduler: _sch,
        ...rest
      } = loaded.config as unknown as Record<string, unknown>;
      const skills = { ...(rest.skills as object), dir: 'skills' };
      const svc = await startLearningService({
        name: c,
        home,
        upstream: {
          ...(loaded.config.upstream as object),
          provider: 'openai',
          base_url: baseUrl,
          api_key: apiKey,
        },
        extraConfig: c === 'full' ? { ...rest, skills } : { ...rest, skills, rl: { enabled: false } },
        env: process.env,
      });
      services.push(svc);
      endpoints.push(svc.endpoint);
    }
    const id = path.basename(out);
    const started = new Date().toISOString();
    registerRun(loaded.home, {
      id,
      out_dir: out,
      data: set.root,
      conditions,
      started_at: started,
      finished_at: null,
    });
    const { results, overheadMs } = await runBench({
      set,
      days,
      out,
      model: opts.model,
      conditions: endpoints,
      checkerEnv: py.env,
      ...(opts.maxCalls ? { maxCalls: Number(opts.maxCalls) } : {}),
      ...(opts.maxTokens ? { maxTokens: Number(opts.maxTokens) } : {}),
      onRound: progressBar(process.stdout),
    });
    const summary = writeReport(out, results, {
      data: set.root,
      model: opts.model,
      conditions,
      days: days.map((d) => d.id),
    });
    registerRun(loaded.home, {
      id,
      out_dir: out,
      data: set.root,
      conditions,
      started_at: started,
      finished_at: new Date().toISOString(),
      summary: Object.fromEntries(
        Object.entries(summary).map(([k, s]) => [
          k,
          {
            accuracy: s.accuracy,
            file_check_pass_rate: s.file_check_pass_rate,
            mc_exact_rate: s.mc_exact_rate,
            tokens: s.tokens,
          },
        ]),
      ),
    });
    console.log(comparisonTable(summary));
    console.log(
      `\nrunner overhead: ${(overheadMs / 1000 / Math.max(1, results.length)).toFixed(3)} s per round (excluding model time)`,
    );
    console.log(`report: ${path.join(out, 'report.md')}`);
  } catch (err) {
    if (err instanceof BudgetExceeded)
      throw new CliError(`${err.message}; finished days are kept, continue with --resume`, 1);
    throw err;
  } finally {
    for (const s of services) await s.close();
  }
}

function compare(runs: string[], opts: { json?: boolean }): void {
  const merged: Record<string, ConditionSummary> = {};
  for (const r of runs) {
    const file = fs.existsSync(path.join(r, 'report.json')) ? path.join(r, 'report.json') : r;
    if (!fs.existsSync(file)) throw new CliError(`${file}: no report.json`, 2);
    const rep = JSON.parse(fs.readFileSync(file, 'utf8')) as { summary?: Record<string, ConditionSummary> };
    if (!rep.summary) throw new CliError(`${file}: field summary missing`, 2);
    for (const [k, v] of Object.entries(rep.summary))
      merged[runs.length > 1 ? `${k} (${path.basename(r)})` : k] = v;
  }
  if (opts.json) printJson(merged);
  else console.log(comparisonTable(merged));
}

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('run MetaClaw-Bench: does MetaClaw help your model?');
  bench
    .command('run')
    .description('run the benchmark with the built-in agent under baseline / skills / full')
    .requiredOption('--data <dir>', 'the set folder (e.g. benchmark/data/metaclaw-bench-small)')
    .requiredOption('--out <dir>', 'where rounds, report and plots go')
    .option('--days <spec>', 'days to run, e.g. 1-12 or 1,3-5')
    .option(
      '--condition <name>',
      'baseline | skills | full (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--agent <name>', 'builtin', 'builtin')
    .option('--model <model>', 'model name sent upstream', 'gpt-4o-mini')
    .option('--upstream <url>', 'OpenAI-compatible base URL (default: upstream.base_url of the config)')
    .option('--api-key-env <name>', 'environment variable holding the upstream key', 'OPENAI_API_KEY')
    .option('--home <dir>', 'MetaClaw home for the learning conditions (default: fresh, inside --out)')
    .option('--resume', 'continue a killed run at its first unfinished day')
    .option('--max-calls <n>', 'stop before more than n agent model calls')
    .option('--max-tokens <n>', 'stop before more than n agent tokens')
    .action(run);
  bench
    .command('compare')
    .description("print the paper's table (accuracy, file-check, relative gain) for one or more runs")
    .argument('<run...>', 'run folders (or report.json files)')
    .option('--json', 'machine-readable output')
    .action(compare);
  bench
    .command('validate')
    .description('check a data folder and print its days and rounds')
    .requiredOption('--data <dir>', 'the set folder')
    .action((o: { data: string }) => {
      const set = loadSet(o.data);
      for (const d of set.days) console.log(`${d.index}\t${d.id}\t${d.arc}\t${d.rounds.length} rounds`);
    });
}
