import { Command, CommanderError } from 'commander';
import { holdYoungGeneration } from '../memory.js';
import { VERSION } from '../version.js';
import { CliError } from './context.js';

type Register = (program: Command) => void;

/**
 * Each top-level command and the module that defines it, imported only when needed: `metaclaw
 * start` then loads the proxy, not the setup wizard, the integrations or the RL trainer. What a
 * long-running service has imported stays in its memory for good.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  start: async () => (await import('./start.js')).registerStart,
  stop: async () => (await import('./stop.js')).registerStop,
  status: async () => (await import('./status.js')).registerStatus,
  config: async () => (await import('./config.js')).registerConfig,
  sessions: async () => (await import('./sessions.js')).registerSessions,
  feedback: async () => (await import('./feedback.js')).registerFeedback,
  evolutions: async () => (await import('./evolutions.js')).registerEvolutions,
  train: async () => (await import('./train.js')).registerTrain,
  skills: async () => (await import('./skills.js')).registerSkills,
  scheduler: async () => (await import('./scheduler.js')).registerScheduler,
  setup: async () => (await import('./setup.js')).registerSetup,
  integrate: async () => (await import('./integrate.js')).registerIntegrate,
  hook: async () => (await import('./hook.js')).registerHook,
  doctor: async () => (await import('./doctor.js')).registerDoctor,
  uninstall: async () => (await import('./uninstall.js')).registerUninstall,
  bench: async () => (await import('./bench.js')).registerBench,
  logs: async () => (await import('./logs.js')).registerLogs,
  store: async () => (await import('./store.js')).registerStore,
};

/** Global options that take a value: the word after them is not the command. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--config']);

/** The command named in argv (node, script, ...args), or null (none, help, version, unknown). */
export function commandName(args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return a in COMMANDS ? a : null;
  }
  return null;
}

/**
 * The CLI. With `argv`, only the command it names is loaded (all of them when it names none, so
 * that help and "unknown command" errors list every command).
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('metaclaw')
    .description('MetaClaw: a proxy that lets your LLM agent learn from its own conversations')
    .version(VERSION)
    .option('--config <file>', 'config file (default: $METACLAW_HOME/config.yaml, ~/.metaclaw/config.yaml)')
    .exitOverride();
  const only = argv ? commandName(argv.slice(2)) : null;
  const names = only ? [only] : Object.keys(COMMANDS);
  const registers = await Promise.all(names.map((name) => COMMANDS[name]!()));
  for (const register of registers) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // The service's young generation starts small: growth is held from before its modules load,
  // which otherwise leave it at 16 MB for good (~12 MB of idle RSS; see memory.ts).
  if (commandName(argv.slice(2)) === 'start') holdYoungGeneration();
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof CliError) {
      console.error(`metaclaw: ${err.message}`);
      process.exitCode = err.exitCode;
      return;
    }
    console.error(`metaclaw: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
