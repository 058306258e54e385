import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { AgentFactory } from '../bench/agent.js';
import { BuiltinAgent } from '../bench/agent.js';
import { AnthropicAgent } from '../bench/agent-anthropic.js';
import { CONDITIONS, type Protocol, startConditions } from '../bench/conditions.js';
import { BenchDataError, loadBenchSet, selectDays } from '../bench/dataset.js';
import { openclawAgentFactory } from '../bench/openclaw-agent.js';
import { OpenClawNotFound, resolveOpenClaw } from '../bench/openclaw-runtime.js';
import { registerRun, writeReport } from '../bench/output.js';
import { progressBar } from '../bench/progress.js';
import { checkerEnv } from '../bench/python.js';
import { type ConditionSummary, comparisonTable } from '../bench/report.js';
import { BudgetExceeded, runBench } from '../bench/runner.js';
import { CliError, type GlobalOptions, loadOrExit, printJson } from './context.js';

interface RunOpts {
  data: string;
  out: string;
  days?: string;
  condition: string[];
  agent: string;
  protocol?: string;
  model: string;
  upstream?: string;
  apiKeyEnv?: string;
  home?: string;
  resume?: boolean;
  jobs: string;
  maxCalls?: string;
  maxTokens?: string;
  openclawBin?: string;
  openclawNode?: string;
}

function loadSet(dir: string) {
  try {
    return loadBenchSet(dir);
  } catch (err) {
    if (err instanceof BenchDataError) throw new CliError(err.message, 2);
    throw err;
  }
}

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} ${v}: use a whole number of at least 1`, 2);
  return n;
}

/** The agent each day talks through: the built-in one, or a real OpenClaw (openclaw-agent.ts). */
function selectAgent(name: string, protocol: Protocol, opts: RunOpts): AgentFactory {
  if (name === 'builtin')
    return protocol === 'anthropic' ? (ctx) => new AnthropicAgent(ctx) : (ctx) => new BuiltinAgent(ctx);
  if (name === 'openclaw') {
    try {
      const runtime = resolveOpenClaw({
        ...(opts.openclawBin ? { bin: opts.openclawBin } : {}),
        ...(opts.openclawNode ? { node: opts.openclawNode } : {}),
      });
      return openclawAgentFactory(runtime, {
        stateRoot: path.join(path.resolve(opts.out), 'openclaw'),
        protocol,
      });
    } catch (err) {
      throw err instanceof OpenClawNotFound ? new CliError(err.message, 2) : err;
    }
  }
  throw new CliError(`--agent ${name}: use builtin or openclaw`, 2);
}

async function run(opts: RunOpts, cmd: Command): Promise<void> {
  const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
  const conditions = opts.condition.length ? opts.condition : ['baseline', 'skills'];
  for (const c of conditions)
    if (!(CONDITIONS as readonly string[]).includes(c))
      throw new CliError(`--condition ${c}: use baseline, skills or full`, 2);
  const protocol = (opts.protocol ??
    (loaded.config.upstream.provider === 'anthropic' ? 'anthropic' : 'openai')) as Protocol;
  if (protocol !== 'openai' && protocol !== 'anthropic')
    throw new CliError(`--protocol ${opts.protocol}: use openai or anthropic`, 2);
  const agent = selectAgent(opts.agent, protocol, opts);
  const jobs = positiveInt('--jobs', opts.jobs) ?? 1;
  const maxCalls = positiveInt('--max-calls', opts.maxCalls);
  const maxTokens = positiveInt('--max-tokens', opts.maxTokens);
  const set = loadSet(opts.data);
  const days = selectDays(set, opts.days);
  if (days.length === 0) throw new CliError(`--days ${opts.days}: no day of ${set.manifestFile} selected`, 2);
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
      `no upstream: pass --upstream URL (${protocol === 'anthropic' ? 'Anthropic' : 'OpenAI-compatible'} base URL) or set upstream.base_url`,
      2,
    );
  const keyEnv = opts.apiKeyEnv ?? (protocol === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY');
  // Local servers take no key; the SDK clients still want one.
  const apiKey = process.env[keyEnv] || 'none';
  const py = checkerEnv(path.join(out, '.bin'));
  if (py.note) console.error(`metaclaw bench: ${py.note}`);
  if (jobs > 1 && conditions.some((c) => c !== 'baseline'))
    console.error(
      `metaclaw bench: --jobs ${jobs} applies to the baseline only; ${conditions.filter((c) => c !== 'baseline').join(' and ')} run their days in order, since each day learns from the ones before`,
    );

  const setup = await startConditions({
    conditions,
    loaded,
    baseUrl,
    apiKey,
    protocol,
    out,
    ...(opts.home ? { home: opts.home } : {}),
  });
  for (const n of setup.notes) console.error(`metaclaw bench: ${n}`);
  try {
    const id = path.basename(out);
    const started = new Date().toISOString();
    const entry = { id, out_dir: out, data: set.root, conditions, started_at: started };
    registerRun(loaded.home, { ...entry, finished_at: null });
    const t0 = Date.now();
    const { results, stats, overheadMs } = await runBench({
      set,
      days,
      out,
      model: opts.model,
      conditions: setup.endpoints,
      agent,
      checkerEnv: py.env,
      jobs,
      ...(maxCalls ? { maxCalls } : {}),
      ...(maxTokens ? { maxTokens } : {}),
      onRound: progressBar(process.stdout),
    });
    const summary = writeReport(
      out,
      results,
      {
        data: set.root,
        manifest: path.basename(set.manifestFile),
        model: opts.model,
        agent: opts.agent,
        protocol,
        conditions,
        days: days.map((d) => d.id),
        // Timing of this invocation only (a resumed run counts its last part).
        elapsed_ms: Date.now() - t0,
        runner_overhead_s_per_round: overheadMs / 1000 / Math.max(1, results.length),
      },
      stats,
    );
    registerRun(loaded.home, {
      ...entry,
      finished_at: new Date().toISOString(),
      summary: Object.fromEntries(
        Object.entries(summary).map(([k, s]) => [
          k,
          {
            accuracy: s.accuracy,
            file_check_pass_rate: s.file_check_pass_rate,
            mc_exact_rate: s.mc_exact_rate,
            tokens: s.tokens,
            learning_tokens: s.learning_tokens,
            wall_ms: s.wall_ms,
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
      throw new CliError(
        `${err.message}; every completed round is kept: raise the limit and continue with --resume --out ${out}`,
        1,
      );
    if (err instanceof BenchDataError) throw new CliError(err.message, 2);
    throw new CliError(
      `${(err as Error).message}\nevery completed round is kept: continue with --resume --out ${out}`,
      1,
    );
  } finally {
    for (const s of setup.services) await s.close();
  }
}

function compare(runs: string[], opts: { json?: boolean }): void {
  const merged: Record<string, ConditionSummary> = {};
  for (const r of runs) {
    const file = fs.existsSync(path.join(r, 'report.json')) ? path.join(r, 'report.json') : r;
    if (!fs.existsSync(file)) throw new CliError(`${file}: no report.json`, 2);
    let rep: { summary?: Record<string, ConditionSummary> };
    try {
      rep = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof rep;
    } catch (err) {
      throw new CliError(`${file}: not valid JSON (${(err as Error).message})`, 2);
    }
    if (!rep.summary || typeof rep.summary !== 'object')
      throw new CliError(`${file}: field summary missing`, 2);
    for (const [k, v] of Object.entries(rep.summary))
      merged[runs.length > 1 ? `${k} (${path.basename(path.dirname(path.resolve(file)))})` : k] = v;
  }
  if (opts.json) printJson(merged);
  else console.log(comparisonTable(merged));
}

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('run MetaClaw-Bench: does MetaClaw help your model?');
  bench
    .command('run')
    .description('run the benchmark with the built-in agent under baseline / skills / full')
    .requiredOption(
      '--data <dir>',
      'the set folder (e.g. benchmark/data/metaclaw-bench-small) or a manifest file in it',
    )
    .requiredOption('--out <dir>', 'where rounds, report and plots go')
    .option('--days <spec>', 'days to run, e.g. 1-12 or 1,3-5')
    .option(
      '--condition <name>',
      'baseline | skills | full (repeatable; default baseline and skills)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option(
      '--agent <name>',
      'builtin | openclaw (a real OpenClaw, as the reference runner drives it)',
      'builtin',
    )
    .option(
      '--openclaw-bin <path>',
      "OpenClaw's openclaw.mjs (default: the agent cache, then openclaw on PATH)",
    )
    .option(
      '--openclaw-node <path>',
      'a Node >= 24.16 to run OpenClaw with (default: the agent cache, then node on PATH)',
    )
    .option(
      '--protocol <name>',
      'openai (Chat Completions) | anthropic (Messages); default from upstream.provider',
    )
    .option('--model <model>', 'model name sent upstream', 'gpt-4o-mini')
    .option('--upstream <url>', 'upstream base URL (default: upstream.base_url of the config)')
    .option(
      '--api-key-env <name>',
      'environment variable holding the upstream key (default OPENAI_API_KEY / ANTHROPIC_API_KEY)',
    )
    .option('--home <dir>', 'MetaClaw home for the learning conditions (default: fresh, inside --out)')
    .option('--jobs <n>', 'baseline days run at once (learning conditions always run in order)', '1')
    .option('--resume', 'continue a stopped run after its last completed round')
    .option('--max-calls <n>', 'stop before more than n agent model calls (the whole run)')
    .option('--max-tokens <n>', 'stop before more than n agent tokens (the whole run)')
    .action(run);
  bench
    .command('compare')
    .description("print the paper's table (accuracy, file-check, relative gain, tokens) for one or more runs")
    .argument('<run...>', 'run folders (or report.json files)')
    .option('--json', 'machine-readable output')
    .action(compare);
  bench
    .command('validate')
    .description('check a data folder and print its days and rounds')
    .requiredOption('--data <dir>', 'the set folder or a manifest file in it')
    .action((o: { data: string }) => {
      const set = loadSet(o.data);
      for (const d of set.days) console.log(`${d.index}\t${d.id}\t${d.arc}\t${d.rounds.length} rounds`);
      const rounds = set.days.reduce((s, d) => s + d.rounds.length, 0);
      console.log(`${set.name}: ${set.days.length} days, ${rounds} rounds`);
    });
}
