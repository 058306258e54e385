import path from 'node:path';
import {
  deepEqual,
  getPath,
  isObject,
  type JsonObject,
  type Prev,
  previousFor,
  pruneCreated,
  restorePath,
  setPath,
  stringifyLike,
} from './json-path.js';
import { describeRemoval, type FileEdit, fileStatus, installFile, removeFile } from './managed-file.js';
import {
  type AgentIntegration,
  type IntegrationContext,
  IntegrationError,
  PLACEHOLDER_KEY,
} from './types.js';

/*
 * Claude Code reads `env` from ~/.claude/settings.json (plain JSON). We set two variables there.
 * JSON.parse/stringify keep key order, and we re-indent like the original, so a file in the usual
 * `JSON.stringify(…, null, 2)` layout round-trips byte for byte even when it is edited in place.
 * Other layouts are restored from the byte copy when untouched since install.
 */

export interface ClaudeUndo {
  env: Record<string, { previous: Prev; written: unknown }>;
  created: string[][];
}

export function claudeSettingsFile(userHome: string): string {
  return path.join(userHome, '.claude', 'settings.json');
}

export function claudeEnv(ctx: Pick<IntegrationContext, 'proxyUrl' | 'proxyKey'>): Record<string, string> {
  // Claude Code appends /v1/messages itself, so the base URL is the proxy root.
  return { ANTHROPIC_BASE_URL: ctx.proxyUrl, ANTHROPIC_AUTH_TOKEN: ctx.proxyKey ?? PLACEHOLDER_KEY };
}

function parse(text: string): JsonObject {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new IntegrationError(`~/.claude/settings.json is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(v)) throw new IntegrationError('~/.claude/settings.json does not hold an object');
  return v;
}

export function claudeEdit(vars: Record<string, string>): FileEdit<ClaudeUndo> {
  return {
    apply(text, last) {
      const obj = text === null || text.trim() === '' ? {} : parse(text);
      const env = getPath(obj, ['env']);
      if (env.present && !isObject(env.value))
        throw new IntegrationError('"env" in ~/.claude/settings.json is not an object');
      const undo: ClaudeUndo = { env: {}, created: last?.created ?? [] };
      for (const [key, value] of Object.entries(vars)) {
        const p = ['env', key];
        undo.env[key] = { previous: previousFor(getPath(obj, p), last?.env[key]), written: value };
        // An existing key is overwritten in place, so its position in the object is kept.
        undo.created.push(...setPath(obj, p, value));
      }
      return {
        text: text === null || text.trim() === '' ? stringifyLike(null, obj) : stringifyLike(text, obj),
        undo,
      };
    },
    revert(text, undo, existedBefore) {
      const obj = parse(text);
      for (const [key, slot] of Object.entries(undo.env)) {
        const cur = getPath(obj, ['env', key]);
        // A value the user changed since is theirs now: leave it.
        if (!cur.present || deepEqual(cur.value, slot.written)) restorePath(obj, ['env', key], slot.previous);
      }
      pruneCreated(obj, undo.created);
      if (!existedBefore && Object.keys(obj).length === 0) return null;
      return stringifyLike(text, obj);
    },
    present(text, undo) {
      const obj = parse(text);
      return Object.entries(undo.env).every(([k, s]) =>
        deepEqual(getPath(obj, ['env', k]), { present: true, value: s.written }),
      );
    },
  };
}

export function printClaudeSettings(ctx: IntegrationContext): void {
  const vars = claudeEnv(ctx);
  ctx.say('Claude Code: add these to your shell, or to "env" in ~/.claude/settings.json:');
  for (const [k, v] of Object.entries(vars)) ctx.say(`  export ${k}=${v}`);
}

export const claudeCodeIntegration: AgentIntegration = {
  id: 'claude-code',
  title: 'Claude Code',
  configFile: ({ userHome }) => claudeSettingsFile(userHome),
  async install(ctx, opts) {
    if (opts.printOnly) {
      printClaudeSettings(ctx);
      return;
    }
    const file = claudeSettingsFile(ctx.userHome);
    const outcome = installFile(ctx, 'claude-code', file, claudeEdit(claudeEnv(ctx)));
    ctx.say(
      outcome === 'unchanged'
        ? `Claude Code already uses MetaClaw (${file})`
        : `Claude Code: ANTHROPIC_BASE_URL=${ctx.proxyUrl} set in ${file} (new sessions pick it up)`,
    );
  },
  async remove(ctx) {
    ctx.say(`Claude Code: ${describeRemoval(removeFile(ctx, 'claude-code', claudeEdit({})))}`);
  },
  status(ctx) {
    return fileStatus(ctx, 'claude-code', claudeEdit({}));
  },
};
