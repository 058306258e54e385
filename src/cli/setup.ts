import type { Command } from 'commander';
import { ConfigError } from '../config/errors.js';
import type { LoadedConfig } from '../config/load.js';
import { findPreset, PRESET_IDS, PRESETS, type ProviderPreset } from '../integrations/presets.js';
import { clackPrompter, PromptCancelled, type Prompter } from '../integrations/prompter.js';
import { INTEGRATIONS, integrationContext } from '../integrations/registry.js';
import {
  MODES,
  type Mode,
  parseSleepRange,
  type SetupAnswers,
  writeSetupConfig,
} from '../integrations/setup-config.js';
import {
  AGENT_IDS,
  type AgentId,
  type CommandRunner,
  IntegrationError,
  isAgentId,
} from '../integrations/types.js';
import { type CheckResult, checkUpstream } from '../integrations/upstream-check.js';
import { CliError, type GlobalOptions, loadOrExit } from './context.js';
import { closestModels, installStarterSkills, judgeCostWarning, startInBackground } from './setup-finish.js';

export interface SetupFlags {
  nonInteractive?: boolean;
  agent?: string;
  provider?: string;
  baseUrl?: string;
  model?: string;
  apiKey?: string;
  apiKeyEnv?: string;
  mode?: string;
  judgeModel?: string;
  evolverModel?: string;
  sleep?: string;
  calendarIcs?: string[];
  timezone?: string;
  proxyPort?: string;
  skipCheck?: boolean;
  openclawApi?: string;
  contextWindow?: string;
  maxTokens?: string;
  /** `--no-restart` */
  restart?: boolean;
  /** `--no-wire`: write the config only. */
  wire?: boolean;
  /** `--no-starter-skills` */
  starterSkills?: boolean;
}

export interface SetupDeps {
  loaded: LoadedConfig;
  env: NodeJS.ProcessEnv;
  /** Null = non-interactive. */
  prompter: Prompter | null;
  say(line: string): void;
  userHome?: string;
  which?: (cmd: string) => string | null;
  run?: CommandRunner;
  fetch?: typeof fetch;
  /** Starts the service in the background (offered at the end of an interactive setup). */
  startService?: () => Promise<void>;
}

const EXAMPLE =
  'e.g. metaclaw setup --non-interactive --agent openclaw --provider openai --base-url URL --api-key-env VAR --model M';

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description(
      'wizard: choose the agent, upstream, model, key and learning mode, check the upstream, wire the agent',
    )
    .option('--non-interactive', 'never prompt; fail naming any missing flag')
    .option('--agent <agent>', AGENT_IDS.join(' | '))
    .option('--provider <provider>', PRESET_IDS)
    .option('--base-url <url>', 'upstream base URL (OpenAI-style with /v1; preset default otherwise)')
    .option('--model <model>', 'upstream model (also what the agent selects)')
    .option('--api-key <key>', 'upstream key, stored in the config file (mode 0600)')
    .option(
      '--api-key-env <var>',
      'name of the environment variable holding the upstream key (stored by reference)',
    )
    .option('--mode <mode>', `${MODES.join(' | ')} (default skills)`)
    .option('--judge-model <model>', 'model for the judge (default: the upstream model)')
    .option('--evolver-model <model>', 'model for skill evolution (default: the judge model)')
    .option('--sleep <range>', 'sleep hours for training windows, HH:MM-HH:MM (mode auto)')
    .option(
      '--calendar-ics <url>',
      'iCalendar feed: meetings open training windows (repeatable)',
      collect,
      [],
    )
    .option('--timezone <tz>', 'IANA time zone for the scheduler')
    .option('--proxy-port <port>', 'port MetaClaw listens on (proxy.port)')
    .option('--skip-check', 'do not contact the upstream')
    .option('--openclaw-api <api>', 'anthropic-messages (default) | openai-completions')
    .option('--context-window <n>', 'OpenClaw: context window of the model', '128000')
    .option('--max-tokens <n>', 'OpenClaw: max output tokens', '8192')
    .option('--no-restart', 'do not restart the OpenClaw gateway')
    .option('--no-wire', 'write the MetaClaw config only; wire no agent')
    .option('--no-starter-skills', 'do not install the starter skills into a new library')
    .action(async (flags: SetupFlags, cmd: Command) => {
      const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
      const interactive = !flags.nonInteractive && Boolean(process.stdin.isTTY && process.stdout.isTTY);
      if (!flags.nonInteractive && !interactive)
        console.error('metaclaw: no terminal to ask questions on: running as --non-interactive');
      try {
        await runSetup(flags, {
          loaded,
          env: process.env,
          prompter: interactive ? clackPrompter : null,
          say: console.log,
          startService: () => startInBackground(cmd.optsWithGlobals() as GlobalOptions),
        });
      } catch (err) {
        if (err instanceof PromptCancelled) throw new CliError('setup cancelled; nothing was written', 130);
        if (err instanceof ConfigError) throw new CliError(`config error: ${err.message}`, 2);
        if (err instanceof IntegrationError) throw new CliError(err.message, 1);
        throw err;
      }
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The whole wizard; every step works from flags alone when `prompter` is null. */
export async function runSetup(flags: SetupFlags, d: SetupDeps): Promise<void> {
  const p = d.prompter;
  const missing: string[] = [];
  const need = (flag: string) => {
    missing.push(flag);
    return '';
  };

  let agent = flags.agent;
  if (agent !== undefined && !isAgentId(agent))
    throw new CliError(`--agent must be one of ${AGENT_IDS.join(', ')}`, 2);
  agent ??= p
    ? await p.select<AgentId>(
        'Which agent should use MetaClaw?',
        AGENT_IDS.map((id) => ({ value: id, label: INTEGRATIONS[id].title })),
      )
    : need(`--agent (${AGENT_IDS.join('|')})`);

  let preset: ProviderPreset | undefined;
  if (flags.provider !== undefined) {
    preset = findPreset(flags.provider);
    if (!preset) throw new CliError(`--provider must be one of ${PRESET_IDS}`, 2);
  } else if (p) {
    const id = await p.select(
      'Which LLM should serve it?',
      PRESETS.map((x) => ({ value: x.id, label: x.label, hint: x.baseUrl })),
    );
    preset = findPreset(id);
  } else need(`--provider (${PRESET_IDS})`);

  let baseUrl = flags.baseUrl ?? (flags.provider !== undefined ? preset?.baseUrl : undefined);
  if (!baseUrl && preset)
    baseUrl = p
      ? await p.text('Base URL', { initial: preset.baseUrl, placeholder: 'http://localhost:8000/v1' })
      : need('--base-url URL');

  const model =
    flags.model ?? (p ? await p.text('Model', { placeholder: preset?.exampleModel }) : need('--model NAME'));

  if (flags.apiKey && flags.apiKeyEnv)
    throw new CliError('give either --api-key or --api-key-env, not both', 2);
  let apiKey = flags.apiKey;
  let apiKeyEnv = flags.apiKeyEnv;
  if (!apiKey && !apiKeyEnv && preset) {
    if (p) ({ apiKey, apiKeyEnv } = await askKey(p, preset, d.env));
    else if (preset.needsKey)
      need(
        `--api-key-env VAR (or --api-key KEY)${preset.keyEnv ? `, e.g. --api-key-env ${preset.keyEnv}` : ''}`,
      );
  }

  let mode: Mode = 'skills';
  if (flags.mode !== undefined) {
    if (!(MODES as readonly string[]).includes(flags.mode))
      throw new CliError(`--mode must be one of ${MODES.join(', ')}`, 2);
    mode = flags.mode as Mode;
  } else if (p)
    mode = await p.select<Mode>('Learning mode', [
      {
        value: 'skills',
        label: 'skills only',
        hint: 'inject skills, judge turns, evolve skills from failures',
      },
      { value: 'auto', label: 'auto with scheduler', hint: 'learn in sleep hours, idle time and meetings' },
    ]);

  if (missing.length > 0)
    throw new CliError(`--non-interactive: missing ${missing.join(', ')}\n  ${EXAMPLE}`, 2);

  const answers: SetupAnswers = {
    agent,
    noKey: !apiKey && !apiKeyEnv && !!p && !preset!.needsKey && !d.loaded.config.upstream.api_key,
    provider: preset!.provider,
    baseUrl: baseUrl!,
    model,
    apiKey,
    apiKeyEnv,
    mode,
    judgeModel: flags.judgeModel,
    evolverModel: flags.evolverModel,
    calendarIcs: flags.calendarIcs,
    timezone: flags.timezone,
  };
  await askSchedule(flags, answers, p);
  if (mode === 'skills-rl')
    d.say('note: RL training has no configuration keys in this build yet; configured as skills only');

  if (!flags.skipCheck) await checkLoop(answers, d, preset!);

  if (flags.proxyPort !== undefined) {
    answers.proxyPort = Number(flags.proxyPort);
    if (!Number.isInteger(answers.proxyPort))
      throw new CliError(`--proxy-port must be a number, got ${flags.proxyPort}`, 2);
  }
  const config = writeSetupConfig(d.loaded.file, answers);
  d.say(`wrote ${d.loaded.file}`);
  const judgeCost = judgeCostWarning(config, preset!.id, answers.model);
  if (judgeCost) d.say(judgeCost);
  const loaded: LoadedConfig = { ...d.loaded, config, fileExists: true };

  if (flags.wire !== false) {
    const ctx = integrationContext({
      loaded,
      model: answers.model,
      userHome: d.userHome,
      say: d.say,
      which: d.which,
      run: d.run,
    });
    await INTEGRATIONS[agent as AgentId].install(ctx, {
      openclawApi: parseApi(flags.openclawApi),
      contextWindow: positiveInt(flags.contextWindow, '--context-window'),
      maxTokens: positiveInt(flags.maxTokens, '--max-tokens'),
      noRestart: flags.restart === false,
    });
  }
  if (flags.starterSkills !== false) installStarterSkills(loaded, d.say);
  if (p && d.startService && (await p.confirm('Start MetaClaw now?', true))) await d.startService();
  else d.say('next: metaclaw start   (then: metaclaw doctor)');
}

async function askKey(p: Prompter, preset: ProviderPreset, env: NodeJS.ProcessEnv) {
  const envName = preset.keyEnv;
  const how = await p.select<'env' | 'paste' | 'none'>(
    'API key',
    [
      {
        value: 'env',
        label: 'from an environment variable',
        hint: envName ? `${envName}${env[envName] ? ' (set)' : ' (not set here)'}` : undefined,
      },
      { value: 'paste', label: 'paste it', hint: 'stored in the config file, mode 0600' },
      { value: 'none', label: 'no key', hint: 'local servers' },
    ],
    preset.needsKey ? (envName && env[envName] ? 'env' : 'paste') : 'none',
  );
  if (how === 'env')
    return { apiKeyEnv: await p.text('Variable name', { initial: envName }), apiKey: undefined };
  if (how === 'paste') {
    let key = await p.password('API key');
    while (key.trim() === '') {
      p.warn('the key is empty: paste it again (or press Ctrl-C and choose another option)');
      key = await p.password('API key');
    }
    return { apiKey: key.trim(), apiKeyEnv: undefined };
  }
  return { apiKey: undefined, apiKeyEnv: undefined };
}

async function askSchedule(flags: SetupFlags, a: SetupAnswers, p: Prompter | null): Promise<void> {
  let sleep = flags.sleep;
  if (sleep === undefined && p && a.mode === 'auto')
    sleep = await p.text('Sleep hours (training may run then)', { initial: '23:00-07:00' });
  if (sleep !== undefined) {
    let r = parseSleepRange(sleep);
    // Asked interactively: a typo asks again instead of ending the wizard.
    while (!r && p && flags.sleep === undefined) {
      p.warn(`sleep hours must look like 23:00-07:00, got ${sleep}`);
      sleep = await p.text('Sleep hours (training may run then)', { placeholder: '23:00-07:00' });
      r = parseSleepRange(sleep);
    }
    if (!r) throw new CliError(`--sleep must look like 23:00-07:00, got ${sleep}`, 2);
    a.sleepStart = r.start;
    a.sleepEnd = r.end;
  }
  if (p && a.mode === 'auto' && !a.calendarIcs?.length) {
    const ics = await p.text('Calendar feed (ICS URL; meetings open training windows) — blank for none', {
      optional: true,
    });
    if (ics) a.calendarIcs = [ics];
  }
  if (p && !a.judgeModel)
    a.judgeModel = (await p.text('Judge model — blank = the same model', { optional: true })) || undefined;
}

/** Probe the upstream; interactive users can retry or change answers, scripts get a clear failure. */
async function checkLoop(a: SetupAnswers, d: SetupDeps, preset: ProviderPreset): Promise<void> {
  for (;;) {
    let result: CheckResult;
    if (a.apiKeyEnv && !d.env[a.apiKeyEnv])
      result = {
        ok: false,
        kind: 'auth',
        detail: `${a.apiKeyEnv} is not set in this environment`,
        hint: `export ${a.apiKeyEnv}=… here and wherever MetaClaw runs`,
      };
    else
      result = await checkUpstream(
        {
          provider: a.provider,
          baseUrl: a.baseUrl,
          model: a.model,
          apiKey: a.apiKey ?? (a.apiKeyEnv ? d.env[a.apiKeyEnv] : undefined),
        },
        { fetch: d.fetch },
      );
    if (result.ok) {
      if (await modelListed(a, result.models ?? [], d)) {
        d.say(`✓ upstream: ${result.detail}`);
        return;
      }
      continue;
    }
    const text = `upstream check failed: ${result.detail}\n  fix: ${result.hint}`;
    if (!d.prompter) throw new CliError(`${text}\n  (or pass --skip-check to write the config anyway)`, 1);
    d.prompter.warn(text);
    const next = await d.prompter.select<'retry' | 'edit' | 'skip'>('What now?', [
      { value: 'retry', label: 'check again' },
      { value: 'edit', label: 'change URL, key or model' },
      { value: 'skip', label: 'continue without a working upstream' },
    ]);
    if (next === 'skip') return;
    if (next === 'edit') {
      a.baseUrl = await d.prompter.text('Base URL', { initial: a.baseUrl });
      a.model = await d.prompter.text('Model', { initial: a.model });
      Object.assign(a, await askKey(d.prompter, preset, d.env));
    }
  }
}

/**
 * A model the upstream does not list is an error for scripts (a typo would fail every request
 * later); a person picks from the list, closest first, or keeps the name. True when settled.
 */
async function modelListed(a: SetupAnswers, models: string[], d: SetupDeps): Promise<boolean> {
  if (models.length === 0 || models.includes(a.model)) return true;
  const closest = closestModels(a.model, models);
  if (!d.prompter)
    throw new CliError(
      `unknown model ${a.model}: ${a.baseUrl} lists ${models.length} models, e.g. ${closest.slice(0, 5).join(', ')}\n` +
        '  fix: pass --model with one of them (or --skip-check to write the config anyway)',
      2,
    );
  const KEEP = '\u0000keep';
  const choice = await d.prompter.select<string>(
    `${a.model} is not in the upstream's model list: which model?`,
    [
      ...closest.slice(0, 30).map((m) => ({ value: m, label: m })),
      { value: KEEP, label: `keep ${a.model}`, hint: 'e.g. a name the server accepts but does not list' },
    ],
  );
  if (choice === KEEP) return true;
  a.model = choice;
  return false; // check again with the chosen model
}

function parseApi(raw: string | undefined): 'anthropic-messages' | 'openai-completions' | undefined {
  if (raw === undefined || raw === 'anthropic-messages' || raw === 'openai-completions') return raw;
  throw new CliError('--openclaw-api must be anthropic-messages or openai-completions', 2);
}

function positiveInt(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${flag} must be a positive integer, got ${raw}`, 2);
  return n;
}
