import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { registerConfig } from './config.js';
import { CliError } from './context.js';
import { registerDoctor } from './doctor.js';
import { registerEvolutions } from './evolutions.js';
import { registerFeedback } from './feedback.js';
import { registerIntegrate } from './integrate.js';
import { registerScheduler } from './scheduler.js';
import { registerSessions } from './sessions.js';
import { registerSetup } from './setup.js';
import { registerSkills } from './skills.js';
import { registerStart } from './start.js';
import { registerStatus } from './status.js';
import { registerStop } from './stop.js';
import { registerTrain } from './train.js';
import { registerUninstall } from './uninstall.js';

export function buildProgram(): Command {
  const program = new Command('metaclaw')
    .description('MetaClaw: a proxy that lets your LLM agent learn from its own conversations')
    .version(VERSION)
    .option('--config <file>', 'config file (default: $METACLAW_HOME/config.yaml, ~/.metaclaw/config.yaml)')
    .exitOverride();
  registerStart(program);
  registerStop(program);
  registerStatus(program);
  registerConfig(program);
  registerSessions(program);
  registerFeedback(program);
  registerEvolutions(program);
  registerTrain(program);
  registerSkills(program);
  registerScheduler(program);
  registerSetup(program);
  registerIntegrate(program);
  registerDoctor(program);
  registerUninstall(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
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
