import path from 'node:path';
import { fileURLToPath } from 'node:url';
import JSON5 from 'json5';
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
import {
  adoptExternalEdit,
  describeRemoval,
  type FileEdit,
  fileStatus,
  installFile,
  readIfExists,
  removeFile,
} from './managed-file.js';
import { loadWiringState } from './state.js';
import {
  type AgentIntegration,
  assertModel,
  type InstallOptions,
  type IntegrationContext,
  IntegrationError,
  PLACEHOLDER_KEY,
  shellQuote,
} from './types.js';

/*
 * OpenClaw keeps its config in ~/.openclaw/openclaw.json, which is JSON5 (comments, trailing
 * commas, unquoted keys). No JSON5 library writes comments back, so:
 *  - install rewrites the file as plain JSON (valid JSON5): while MetaClaw is wired the user's
 *    comments and layout are gone from the live file, but a byte copy is kept beside it;
 *  - removal puts that copy back byte for byte when the file is unchanged since we wrote it
 *    (sha256 check); if OpenClaw or the user edited it meanwhile, we remove our entries
 *    structurally and restore the remembered values: same data, JSON layout, no comments.
 */

export const PROVIDER_ID = 'metaclaw';
const PROVIDER_PATH = ['models', 'providers', PROVIDER_ID] as const;
const MODEL_PATH = ['agents', 'defaults', 'model'] as const;
/** `agents.defaults.models` is an allowlist when present: our model must be in it or OpenClaw refuses it. */
const ALLOWLIST_PATH = ['agents', 'defaults', 'models'] as const;
/** The MetaClaw plugin's id (integrations/openclaw-plugin/openclaw.plugin.json) and its config entry. */
export const PLUGIN_ID = 'metaclaw';
const PLUGIN_ENTRY_PATH = ['plugins', 'entries', PLUGIN_ID] as const;

interface Slot {
  previous: Prev;
  written: unknown;
}

export interface OpenClawUndo {
  provider: Slot;
  model: Slot;
  allow: (Slot & { key: string }) | null;
  created: string[][];
  /**
   * Set when `metaclaw integrate openclaw --plugin` installed the plugin: its config entry as it
   * was before (`openclaw plugins uninstall` leaves `enabled: false` behind) and the containers
   * the install created.
   */
  plugin?: { entry: Prev; created: string[][] } | null;
}

export interface OpenClawWiring {
  proxyUrl: string;
  apiKey: string;
  model: string;
  api: 'anthropic-messages' | 'openai-completions';
  contextWindow: number;
  maxTokens: number;
}

export function openclawConfigFile(userHome: string): string {
  return path.join(userHome, '.openclaw', 'openclaw.json');
}

export function parseOpenClaw(text: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON5.parse(text);
  } catch (err) {
    throw new IntegrationError(`openclaw.json is not valid JSON5: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new IntegrationError('openclaw.json does not hold an object');
  return parsed;
}

export function providerEntry(w: OpenClawWiring): JsonObject {
  // The Anthropic SDK appends /v1/messages itself; OpenAI-style base URLs carry the /v1.
  const baseUrl = w.api === 'openai-completions' ? `${w.proxyUrl}/v1` : w.proxyUrl;
  return {
    baseUrl,
    apiKey: w.apiKey,
    api: w.api,
    models: [
      {
        id: w.model,
        name: `${w.model} (via MetaClaw)`,
        contextWindow: w.contextWindow,
        maxTokens: w.maxTokens,
      },
    ],
  };
}

function primaryOf(v: unknown): unknown {
  if (typeof v === 'string') return v;
  return isObject(v) ? v.primary : undefined;
}

/** The pure text edit: tested directly on realistic files. */
export function openclawEdit(w: OpenClawWiring): FileEdit<OpenClawUndo> {
  const ref = `${PROVIDER_ID}/${w.model}`;
  return {
    apply(text, last) {
      const obj = text === null ? {} : parseOpenClaw(text);
      const created = new Map((last?.created ?? []).map((p) => [p.join('\0'), p]));
      const remember = (paths: string[][]) => {
        for (const p of paths) created.set(p.join('\0'), p);
      };
      const guard = (fn: () => string[][]) => {
        try {
          remember(fn());
        } catch (err) {
          throw new IntegrationError(`cannot wire OpenClaw: ${(err as Error).message} in openclaw.json`);
        }
      };

      const provider: Slot = {
        previous: previousFor(getPath(obj, PROVIDER_PATH), last?.provider),
        written: providerEntry(w),
      };
      guard(() => setPath(obj, PROVIDER_PATH, provider.written));

      const cur = getPath(obj, MODEL_PATH);
      const previous = previousFor(cur, last?.model);
      let written: unknown;
      // Keep the user's shape: a plain string stays a string, an object keeps its fallbacks.
      if (!cur.present) written = { primary: ref };
      else if (typeof cur.value === 'string') written = ref;
      else if (isObject(cur.value)) written = { ...cur.value, primary: ref };
      else
        throw new IntegrationError(
          'agents.defaults.model in openclaw.json is neither a string nor an object',
        );
      guard(() => setPath(obj, MODEL_PATH, written));

      // A previous install for another model: take its allowlist entry back out first.
      if (last?.allow && last.allow.key !== ref) revertAllow(obj, last.allow);
      let allow: OpenClawUndo['allow'] = null;
      const list = getPath(obj, ALLOWLIST_PATH);
      if (list.present && isObject(list.value)) {
        const entry = getPath(obj, [...ALLOWLIST_PATH, ref]);
        const prevAllow = last?.allow?.key === ref ? last.allow : undefined;
        allow = {
          key: ref,
          previous: previousFor(entry, prevAllow),
          written: entry.present ? entry.value : {},
        };
        list.value[ref] = allow.written;
      }
      return {
        text: stringifyLike(text, obj),
        undo: {
          provider,
          model: { previous, written },
          allow,
          created: [...created.values()],
          plugin: last?.plugin ?? null,
        },
      };
    },

    revert(text, undo, existedBefore) {
      const obj = parseOpenClaw(text);
      restorePath(obj, PROVIDER_PATH, undo.provider.previous);
      const cur = getPath(obj, MODEL_PATH);
      if (cur.present && deepEqual(cur.value, undo.model.written)) {
        restorePath(obj, MODEL_PATH, undo.model.previous);
      } else if (cur.present && isObject(cur.value) && cur.value.primary === primaryOf(undo.model.written)) {
        // Edited around our selection (e.g. new fallbacks): put back only the primary.
        const prevPrimary = undo.model.previous.present ? primaryOf(undo.model.previous.value) : undefined;
        if (prevPrimary === undefined) delete cur.value.primary;
        else cur.value.primary = prevPrimary;
      }
      // else: the user chose another model since; that choice stays.
      if (undo.allow) revertAllow(obj, undo.allow);
      if (undo.plugin) {
        restorePath(obj, PLUGIN_ENTRY_PATH, undo.plugin.entry);
        pruneCreated(obj, undo.plugin.created);
      }
      pruneCreated(obj, undo.created);
      if (!existedBefore && Object.keys(obj).length === 0) return null;
      return stringifyLike(text, obj);
    },

    present(text, undo) {
      const obj = parseOpenClaw(text);
      const m = getPath(obj, MODEL_PATH);
      return (
        getPath(obj, PROVIDER_PATH).present &&
        m.present &&
        primaryOf(m.value) === primaryOf(undo.model.written)
      );
    },
  };
}

function revertAllow(obj: JsonObject, allow: Slot & { key: string }): void {
  const path = [...ALLOWLIST_PATH, allow.key];
  const cur = getPath(obj, path);
  if (!cur.present || deepEqual(cur.value, allow.written)) restorePath(obj, path, allow.previous);
}

/** The plugin package shipped with MetaClaw (integrations/openclaw-plugin at the package root). */
export function openclawPluginDir(): string {
  return fileURLToPath(new URL('../../integrations/openclaw-plugin', import.meta.url));
}

function wiringFrom(ctx: IntegrationContext, opts: InstallOptions): OpenClawWiring {
  return {
    proxyUrl: ctx.proxyUrl,
    apiKey: ctx.proxyKey ?? PLACEHOLDER_KEY,
    model: ctx.model,
    api: opts.openclawApi ?? 'anthropic-messages',
    contextWindow: opts.contextWindow ?? 128_000,
    maxTokens: opts.maxTokens ?? 8192,
  };
}

async function restartGateway(ctx: IntegrationContext, opts: InstallOptions): Promise<void> {
  if (opts.noRestart) {
    ctx.say('restart the OpenClaw gateway to pick up the change: openclaw gateway restart');
    return;
  }
  if (!ctx.which('openclaw')) {
    ctx.say(
      'the `openclaw` command is not on PATH: restart the OpenClaw gateway yourself (openclaw gateway restart, or quit and reopen the app)',
    );
    return;
  }
  const r = await ctx.run('openclaw', ['gateway', 'restart']);
  if (r.code === 0) ctx.say('restarted the OpenClaw gateway');
  else ctx.say(`\`openclaw gateway restart\` failed (exit ${r.code}): ${lastLine(r)}; restart it yourself`);
}

function lastLine(r: { stdout: string; stderr: string }): string {
  return (r.stderr || r.stdout).trim().split('\n').at(-1) ?? '';
}

/** `openclaw plugins install …` for the plugin shipped in this package (a copy, not a link). */
export function pluginInstallArgs(): string[] {
  return ['plugins', 'install', '--force', '--accept-capabilities', openclawPluginDir()];
}
export const PLUGIN_UNINSTALL_ARGS = ['plugins', 'uninstall', PLUGIN_ID, '--force'];
/** Installing copies the package and records consent; it takes ~15 s on a small machine. */
const PLUGIN_COMMAND_TIMEOUT_MS = 300_000;

function printCommand(args: string[]): string {
  return ['openclaw', ...args].map((a) => shellQuote(a)).join(' ');
}

/**
 * Install the plugin through OpenClaw's own CLI and remember what that did to openclaw.json, so
 * removal undoes it exactly. Without `openclaw` on PATH, print the command instead.
 */
async function installPlugin(ctx: IntegrationContext, file: string): Promise<void> {
  const args = pluginInstallArgs();
  if (!ctx.which('openclaw')) {
    ctx.say('the `openclaw` command is not on PATH; install the MetaClaw plugin with:');
    ctx.say(`  ${printCommand(args)}`);
    ctx.say('  openclaw gateway restart');
    return;
  }
  const before = readIfExists(file);
  const beforeObj = before === null ? {} : parseOpenClaw(before);
  const r = await ctx.run('openclaw', args, { timeoutMs: PLUGIN_COMMAND_TIMEOUT_MS });
  if (r.code !== 0) {
    ctx.say(`installing the MetaClaw plugin failed (exit ${r.code}): ${lastLine(r)}`);
    ctx.say(`  run it yourself: ${printCommand(args)}`);
    return;
  }
  adoptExternalEdit<OpenClawUndo>(ctx, 'openclaw', before, (undo) => ({
    ...undo,
    plugin: undo.plugin ?? {
      entry: getPath(beforeObj, PLUGIN_ENTRY_PATH),
      created: [['plugins'], ['plugins', 'entries']].filter((p) => !getPath(beforeObj, p).present),
    },
  }));
  ctx.say(
    `OpenClaw: installed the MetaClaw plugin (${openclawPluginDir()}): every call carries the OpenClaw session id; /new, /reset and session ends end the MetaClaw session`,
  );
}

async function uninstallPlugin(ctx: IntegrationContext, file: string): Promise<void> {
  if (!ctx.which('openclaw')) {
    ctx.say(
      `the \`openclaw\` command is not on PATH; remove the MetaClaw plugin with: ${printCommand(PLUGIN_UNINSTALL_ARGS)}`,
    );
    return;
  }
  const before = readIfExists(file);
  const r = await ctx.run('openclaw', PLUGIN_UNINSTALL_ARGS, { timeoutMs: PLUGIN_COMMAND_TIMEOUT_MS });
  if (r.code !== 0) {
    ctx.say(
      `removing the MetaClaw plugin failed (exit ${r.code}): ${lastLine(r)}; run it yourself: ${printCommand(PLUGIN_UNINSTALL_ARGS)}`,
    );
    return;
  }
  // Its config changes (an `enabled: false` marker) were made for us: removal restores the rest.
  adoptExternalEdit<OpenClawUndo>(ctx, 'openclaw', before);
  ctx.say('OpenClaw: removed the MetaClaw plugin');
}

export const openclawIntegration: AgentIntegration = {
  id: 'openclaw',
  title: 'OpenClaw',
  configFile: ({ userHome }) => openclawConfigFile(userHome),
  async install(ctx, opts) {
    assertModel(ctx);
    const file = openclawConfigFile(ctx.userHome);
    const w = wiringFrom(ctx, opts);
    const outcome = installFile(ctx, 'openclaw', file, openclawEdit(w));
    if (outcome === 'unchanged') ctx.say(`OpenClaw already uses MetaClaw (${file})`);
    else
      ctx.say(
        `OpenClaw: provider "${PROVIDER_ID}" (${w.api}) → ${ctx.proxyUrl}; default model ${PROVIDER_ID}/${w.model}`,
      );
    if (opts.plugin) await installPlugin(ctx, file);
    else
      ctx.say(
        'for exact sessions (OpenClaw sends no session id by itself): metaclaw integrate openclaw --plugin',
      );
    if (outcome !== 'unchanged') await restartGateway(ctx, opts);
  },
  async remove(ctx) {
    const rec = loadWiringState(ctx.metaclawHome, ctx.userHome).openclaw;
    if ((rec?.undo as OpenClawUndo | undefined)?.plugin) await uninstallPlugin(ctx, rec!.file);
    // Removal works from the recorded undo data alone; the current wiring values do not matter.
    const edit = openclawEdit(wiringFrom(ctx, {}));
    const result = removeFile(ctx, 'openclaw', edit);
    ctx.say(`OpenClaw: ${describeRemoval(result)}`);
    if (result.outcome === 'restored-backup' || result.outcome === 'reverted') await restartGateway(ctx, {});
  },
  status(ctx) {
    const st = fileStatus(ctx, 'openclaw', openclawEdit(wiringFrom(ctx, {})));
    const rec = loadWiringState(ctx.metaclawHome, ctx.userHome).openclaw;
    const plugin = (rec?.undo as OpenClawUndo | undefined)?.plugin;
    return st.wired && plugin ? { ...st, detail: `${st.detail} (with the MetaClaw plugin)` } : st;
  },
};
