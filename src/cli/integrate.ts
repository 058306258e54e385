import type { Command } from 'commander';
import { INTEGRATIONS, integrationContext } from '../integrations/registry.js';
import { AGENT_IDS, IntegrationError, isAgentId } from '../integrations/types.js';
import { CliError, type GlobalOptions, loadOrExit } from './context.js';

interface IntegrateOptions {
  remove?: boolean;
  model?: string;
  openclawApi?: string;
  contextWindow?: string;
  maxTokens?: string;
  printOnly?: boolean;
  restart?: boolean;
  plugin?: boolean;
  hooks?: boolean;
}

export function registerIntegrate(program: Command): void {
  program
    .command('integrate [agent]')
    .description(`wire (or with --remove unwire) one agent: ${AGENT_IDS.join(', ')}; no agent = show wiring`)
    .option('--remove', 'undo the wiring, restoring the previous settings exactly')
    .option('--model <model>', 'model the agent selects (default: upstream.model)')
    .option('--openclaw-api <api>', 'OpenClaw: anthropic-messages (default) | openai-completions')
    .option('--context-window <n>', 'OpenClaw: context window of the model')
    .option('--max-tokens <n>', 'OpenClaw: max output tokens')
    .option('--print-only', 'Claude Code: print the settings instead of writing them')
    .option('--no-restart', 'OpenClaw: do not restart the gateway')
    .option('--plugin', 'OpenClaw: also install the MetaClaw plugin (exact session ids and session ends)')
    .option('--no-hooks', 'Claude Code, Codex: skip the SessionStart / SessionEnd hooks')
    .action(async (agent: string | undefined, opts: IntegrateOptions, cmd: Command) => {
      const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
      const ctx = integrationContext({ loaded, model: opts.model });
      if (agent === undefined) {
        for (const id of AGENT_IDS) console.log(`${id.padEnd(12)} ${INTEGRATIONS[id].status(ctx).detail}`);
        return;
      }
      if (!isAgentId(agent))
        throw new CliError(`unknown agent ${agent}: use one of ${AGENT_IDS.join(', ')}`, 2);
      const api = opts.openclawApi;
      if (api !== undefined && api !== 'anthropic-messages' && api !== 'openai-completions')
        throw new CliError('--openclaw-api must be anthropic-messages or openai-completions', 2);
      try {
        if (opts.remove) await INTEGRATIONS[agent].remove(ctx);
        else
          await INTEGRATIONS[agent].install(ctx, {
            openclawApi: api,
            contextWindow: opts.contextWindow ? Number(opts.contextWindow) : undefined,
            maxTokens: opts.maxTokens ? Number(opts.maxTokens) : undefined,
            printOnly: opts.printOnly,
            noRestart: opts.restart === false,
            plugin: opts.plugin,
            hooks: opts.hooks,
          });
      } catch (err) {
        if (err instanceof IntegrationError) throw new CliError(err.message, 1);
        throw err;
      }
    });
}
