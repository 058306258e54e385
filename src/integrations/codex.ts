import path from 'node:path';
import { CODEX_ENV_KEY, codexEdit } from './codex-toml.js';
import { describeRemoval, fileStatus, installFile, removeFile } from './managed-file.js';
import { type AgentIntegration, assertModel, PLACEHOLDER_KEY } from './types.js';

export function codexConfigFile(userHome: string): string {
  return path.join(userHome, '.codex', 'config.toml');
}

/**
 * Codex CLI: a `[model_providers.metaclaw]` entry speaking the Responses API, selected with
 * top-level `model_provider` and `model`. Codex reads the key from the variable named by
 * `env_key` and refuses to start when it is unset, so we say which value to export.
 */
export const codexIntegration: AgentIntegration = {
  id: 'codex',
  title: 'Codex CLI',
  configFile: ({ userHome }) => codexConfigFile(userHome),
  async install(ctx) {
    assertModel(ctx);
    const file = codexConfigFile(ctx.userHome);
    const outcome = installFile(ctx, 'codex', file, codexEdit({ proxyUrl: ctx.proxyUrl, model: ctx.model }));
    ctx.say(
      outcome === 'unchanged'
        ? `Codex already uses MetaClaw (${file})`
        : `Codex: provider "metaclaw" (Responses API) → ${ctx.proxyUrl}/v1, model ${ctx.model} (${file})`,
    );
    ctx.say(
      `Codex needs the key in its environment: export ${CODEX_ENV_KEY}=${ctx.proxyKey ?? PLACEHOLDER_KEY}`,
    );
  },
  async remove(ctx) {
    ctx.say(
      `Codex: ${describeRemoval(removeFile(ctx, 'codex', codexEdit({ proxyUrl: ctx.proxyUrl, model: ctx.model })))}`,
    );
  },
  status(ctx) {
    return fileStatus(ctx, 'codex', codexEdit({ proxyUrl: ctx.proxyUrl, model: ctx.model }));
  },
};
