import path from 'node:path';
import { CODEX_ENV_KEY, codexEdit } from './codex-toml.js';
import { describeRemoval, fileStatus, installFile, removeFile } from './managed-file.js';
import { type AgentIntegration, assertModel, hookCommand, PLACEHOLDER_KEY } from './types.js';

export function codexConfigFile(userHome: string): string {
  return path.join(userHome, '.codex', 'config.toml');
}

/**
 * Codex CLI: a `[model_providers.metaclaw]` entry speaking the Responses API, selected with
 * top-level `model_provider` and `model`. Codex reads the key from the variable named by
 * `env_key` and refuses to start when it is unset, so we say which value to export.
 *
 * Sessions: Codex sends its session id on every call (`session_id` header), and its
 * SessionStart / SessionEnd hooks (`[[hooks.SessionStart]]` … in config.toml) run
 * `metaclaw hook codex`, so the proxy learns when a session starts and ends. Codex runs a hook
 * it did not write itself only after the user has reviewed and trusted it (the interactive
 * `codex` asks at startup; `codex exec` silently skips untrusted hooks unless run with
 * `--dangerously-bypass-hook-trust`). Until then Codex sessions end by the proxy's idle
 * timeout. `notify` (agent-turn-complete) marks the end of one task, not of a session, so it
 * is deliberately not used.
 */
export const codexIntegration: AgentIntegration = {
  id: 'codex',
  title: 'Codex CLI',
  configFile: ({ userHome }) => codexConfigFile(userHome),
  async install(ctx, opts) {
    assertModel(ctx);
    const file = codexConfigFile(ctx.userHome);
    const command = opts.hooks === false ? null : hookCommand(ctx, 'codex');
    const outcome = installFile(
      ctx,
      'codex',
      file,
      codexEdit({ proxyUrl: ctx.proxyUrl, model: ctx.model, hookCommand: command }),
    );
    ctx.say(
      outcome === 'unchanged'
        ? `Codex already uses MetaClaw (${file})`
        : `Codex: provider "metaclaw" (Responses API) → ${ctx.proxyUrl}/v1, model ${ctx.model} (${file})`,
    );
    ctx.say(
      `Codex needs the key in its environment: export ${CODEX_ENV_KEY}=${ctx.proxyKey ?? PLACEHOLDER_KEY}`,
    );
    if (command && outcome !== 'unchanged')
      ctx.say(
        'Codex: SessionStart / SessionEnd hooks added; Codex runs them only once you trust them — start `codex` and accept the two MetaClaw hooks when it says hooks need review (until then sessions end by the idle timeout)',
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
