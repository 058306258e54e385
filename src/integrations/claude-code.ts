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
  hookCommand,
  type IntegrationContext,
  IntegrationError,
  PLACEHOLDER_KEY,
} from './types.js';

/*
 * Claude Code reads `env` and `hooks` from ~/.claude/settings.json (plain JSON). We set two
 * variables in `env`, and add one SessionStart and one SessionEnd hook group that run
 * `metaclaw hook claude-code` (which tells the proxy a session started or ended). JSON.parse/
 * stringify keep key order, and we re-indent like the original, so a file in the usual
 * `JSON.stringify(…, null, 2)` layout round-trips byte for byte even when it is edited in place.
 * Other layouts are restored from the byte copy when untouched since install. Removal takes out
 * exactly the hook groups we added; the user's own hooks (for these events too) stay.
 */

export const CLAUDE_HOOK_EVENTS = ['SessionStart', 'SessionEnd'] as const;
export type ClaudeHookEvent = (typeof CLAUDE_HOOK_EVENTS)[number];

/** Seconds Claude Code lets each hook run (it also bounds the SessionEnd wait at exit). */
const HOOK_TIMEOUT_S: Record<ClaudeHookEvent, number> = { SessionStart: 10, SessionEnd: 5 };

export interface ClaudeUndo {
  env: Record<string, { previous: Prev; written: unknown }>;
  created: string[][];
  /** Hook groups we appended, and whether we created the event's array (absent before 0.2). */
  hooks?: { event: ClaudeHookEvent; written: JsonObject; createdArray: boolean }[];
}

/** Our hook group for one event (no matcher: every source / reason). */
export function claudeHookGroup(command: string, event: ClaudeHookEvent): JsonObject {
  const hook: JsonObject = { type: 'command', command, timeout: HOOK_TIMEOUT_S[event] };
  // SessionStart in the background, so Claude Code never waits for it; SessionEnd runs at exit,
  // where Claude Code waits for it (up to the timeout) before quitting.
  if (event === 'SessionStart') hook.async = true;
  return { hooks: [hook] };
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

function hookArray(obj: JsonObject, event: ClaudeHookEvent): unknown[] | null {
  const cur = getPath(obj, ['hooks', event]);
  if (!cur.present) return null;
  if (!Array.isArray(cur.value))
    throw new IntegrationError(`"hooks.${event}" in ~/.claude/settings.json is not an array`);
  return cur.value;
}

/** Take one hook group we wrote back out (the first equal one); drop the array if we made it. */
function removeHookGroup(obj: JsonObject, h: NonNullable<ClaudeUndo['hooks']>[number]): void {
  const cur = getPath(obj, ['hooks', h.event]);
  if (!cur.present || !Array.isArray(cur.value)) return;
  const i = cur.value.findIndex((g) => deepEqual(g, h.written));
  if (i >= 0) cur.value.splice(i, 1);
  if (h.createdArray && cur.value.length === 0) restorePath(obj, ['hooks', h.event], { present: false });
}

/**
 * @param vars the `env` entries to set
 * @param command the hook command (`metaclaw hook claude-code`); null = no hooks
 */
export function claudeEdit(
  vars: Record<string, string>,
  command: string | null = null,
): FileEdit<ClaudeUndo> {
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
      const hooks = getPath(obj, ['hooks']);
      if (hooks.present && !isObject(hooks.value))
        throw new IntegrationError('"hooks" in ~/.claude/settings.json is not an object');
      // Re-install: our previous groups come out first (an unchanged one goes back in place).
      const kept: NonNullable<ClaudeUndo['hooks']> = [];
      for (const h of last?.hooks ?? []) {
        const arr = hookArray(obj, h.event);
        const next = command === null ? null : claudeHookGroup(command, h.event);
        if (arr && next && deepEqual(next, h.written) && arr.some((g) => deepEqual(g, next))) kept.push(h);
        else removeHookGroup(obj, { ...h, createdArray: false });
      }
      if (command !== null) {
        undo.hooks = [];
        for (const event of CLAUDE_HOOK_EVENTS) {
          const prev = kept.find((h) => h.event === event);
          if (prev) {
            undo.hooks.push(prev);
            continue;
          }
          const before = last?.hooks?.find((h) => h.event === event);
          let arr = hookArray(obj, event);
          const createdArray = before?.createdArray ?? arr === null;
          if (arr === null) {
            undo.created.push(...setPath(obj, ['hooks', event], []));
            arr = hookArray(obj, event)!;
          }
          const written = claudeHookGroup(command, event);
          arr.push(written);
          undo.hooks.push({ event, written, createdArray });
        }
      } else if (last?.hooks) {
        // Installing without hooks now: arrays we had created and emptied go too.
        for (const h of last.hooks) removeHookGroup(obj, h);
      }
      return {
        text: text === null || text.trim() === '' ? stringifyLike(null, obj) : stringifyLike(text, obj),
        undo,
      };
    },
    revert(text, undo, existedBefore) {
      const obj = parse(text);
      for (const h of undo.hooks ?? []) removeHookGroup(obj, h);
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

export function printClaudeSettings(ctx: IntegrationContext, hooks = true): void {
  const vars = claudeEnv(ctx);
  ctx.say('Claude Code: add these to your shell, or to "env" in ~/.claude/settings.json:');
  for (const [k, v] of Object.entries(vars)) ctx.say(`  export ${k}=${v}`);
  if (!hooks) return;
  const command = hookCommand(ctx, 'claude-code');
  const snippet = Object.fromEntries(CLAUDE_HOOK_EVENTS.map((e) => [e, [claudeHookGroup(command, e)]]));
  ctx.say(
    'and, so MetaClaw knows when a session starts and ends, these to "hooks" in ~/.claude/settings.json:',
  );
  for (const line of JSON.stringify(snippet, null, 2).split('\n')) ctx.say(`  ${line}`);
}

export const claudeCodeIntegration: AgentIntegration = {
  id: 'claude-code',
  title: 'Claude Code',
  configFile: ({ userHome }) => claudeSettingsFile(userHome),
  async install(ctx, opts) {
    const hooks = opts.hooks !== false;
    if (opts.printOnly) {
      printClaudeSettings(ctx, hooks);
      return;
    }
    const file = claudeSettingsFile(ctx.userHome);
    const command = hooks ? hookCommand(ctx, 'claude-code') : null;
    const outcome = installFile(ctx, 'claude-code', file, claudeEdit(claudeEnv(ctx), command));
    if (outcome === 'unchanged') {
      ctx.say(`Claude Code already uses MetaClaw (${file})`);
      return;
    }
    ctx.say(`Claude Code: ANTHROPIC_BASE_URL=${ctx.proxyUrl} set in ${file} (new sessions pick it up)`);
    if (command)
      ctx.say(
        `Claude Code: SessionStart / SessionEnd hooks run \`${command}\`, so sessions start and end exactly`,
      );
  },
  async remove(ctx) {
    ctx.say(`Claude Code: ${describeRemoval(removeFile(ctx, 'claude-code', claudeEdit({})))}`);
  },
  status(ctx) {
    return fileStatus(ctx, 'claude-code', claudeEdit({}));
  },
};
