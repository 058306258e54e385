import fs from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import {
  openclawConfigFile,
  openclawIntegration,
  openclawPluginDir,
} from '../../../src/integrations/openclaw.js';
import { loadWiringState, stateFile } from '../../../src/integrations/state.js';
import type { CommandRunner } from '../../../src/integrations/types.js';
import { read, testContext, writeFile } from './helpers.js';

// A hand-edited config: comments, unquoted keys, single quotes, trailing commas, other providers,
// a model allowlist and fallbacks.
const ORIGINAL = `// OpenClaw config — edited by hand
{
  meta: { lastTouchedVersion: '2026.3.1', },
  models: {
    mode: 'merge',
    providers: {
      ollama: {
        baseUrl: 'http://127.0.0.1:11434/v1',
        apiKey: 'ollama-local',
        api: 'openai-completions',
        models: [ { id: 'llama3.3', name: 'Llama 3.3', contextWindow: 131072, maxTokens: 8192, }, ],
      },
    },
  },
  agents: {
    defaults: {
      model: { primary: 'anthropic/claude-sonnet-4-5', fallbacks: ['ollama/llama3.3'] },
      models: { 'anthropic/claude-sonnet-4-5': { alias: 'sonnet' }, 'ollama/llama3.3': {}, },
      workspace: '~/.openclaw/workspace',
    },
  },
  channels: { telegram: { enabled: true, botToken: '123:abc' } }, /* trailing comment */
}
`;

function setup(text: string | null = ORIGINAL) {
  const ctx = testContext();
  const file = openclawConfigFile(ctx.userHome);
  if (text !== null) writeFile(file, text);
  return { ctx, file };
}

describe('OpenClaw wiring', () => {
  it('adds the provider, selects it, allow-lists it, and keeps everything else', async () => {
    const { ctx, file } = setup();
    await openclawIntegration.install(ctx, {});
    const cfg = JSON5.parse(read(file));
    expect(cfg.models.providers.metaclaw).toEqual({
      baseUrl: 'http://127.0.0.1:30000',
      apiKey: 'metaclaw-local',
      api: 'anthropic-messages',
      models: [{ id: 'kimi-k2', name: 'kimi-k2 (via MetaClaw)', contextWindow: 128000, maxTokens: 8192 }],
    });
    expect(cfg.agents.defaults.model).toEqual({
      primary: 'metaclaw/kimi-k2',
      fallbacks: ['ollama/llama3.3'],
    });
    expect(cfg.agents.defaults.models['metaclaw/kimi-k2']).toEqual({});
    // Everything that is not ours is unchanged (as data).
    const orig = JSON5.parse(ORIGINAL);
    delete cfg.models.providers.metaclaw;
    delete cfg.agents.defaults.models['metaclaw/kimi-k2'];
    cfg.agents.defaults.model.primary = orig.agents.defaults.model.primary;
    expect(cfg).toEqual(orig);
    // A byte copy sits beside the file; the state file is private.
    const rec = loadWiringState(ctx.metaclawHome).openclaw!;
    expect(rec.backup).toMatch(/openclaw\.json\.metaclaw-backup-\d{8}T\d{6}Z$/);
    expect(read(rec.backup!)).toBe(ORIGINAL);
    expect(fs.statSync(stateFile(ctx.metaclawHome)).mode & 0o777).toBe(0o600);
  });

  it('openai-completions puts /v1 in the base URL and uses the proxy key when there is one', async () => {
    const { ctx, file } = setup();
    ctx.proxyKey = 'proxy-secret';
    await openclawIntegration.install(ctx, { openclawApi: 'openai-completions', contextWindow: 32000 });
    const p = JSON5.parse(read(file)).models.providers.metaclaw;
    expect(p).toMatchObject({
      baseUrl: 'http://127.0.0.1:30000/v1',
      api: 'openai-completions',
      apiKey: 'proxy-secret',
    });
    expect(p.models[0].contextWindow).toBe(32000);
  });

  it('install twice = install once (same bytes, same remembered previous selection, one backup)', async () => {
    const { ctx, file } = setup();
    await openclawIntegration.install(ctx, {});
    const once = read(file);
    const state = fs.readFileSync(stateFile(ctx.metaclawHome), 'utf8');
    await openclawIntegration.install(ctx, {});
    expect(read(file)).toBe(once);
    expect(fs.readFileSync(stateFile(ctx.metaclawHome), 'utf8')).toBe(state);
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f.includes('metaclaw-backup'))).toHaveLength(1);
    await openclawIntegration.remove(ctx);
    expect(read(file)).toBe(ORIGINAL);
  });

  it('install → remove leaves the file byte-identical (comments, trailing commas, quotes) when untouched since', async () => {
    const { ctx, file } = setup();
    await openclawIntegration.install(ctx, {});
    expect(read(file)).not.toBe(ORIGINAL);
    await openclawIntegration.remove(ctx);
    expect(read(file)).toBe(ORIGINAL);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['openclaw.json']);
    expect(loadWiringState(ctx.metaclawHome).openclaw).toBeUndefined();
  });

  it('edited after install → remove restores structurally (JSON5 comments cannot be written back) and keeps the edit', async () => {
    const { ctx, file } = setup();
    await openclawIntegration.install(ctx, {});
    const edited = JSON5.parse(read(file));
    edited.channels.discord = { enabled: false };
    edited.agents.defaults.model.fallbacks.push('anthropic/claude-haiku-4-5');
    fs.writeFileSync(file, JSON.stringify(edited, null, 2));
    await openclawIntegration.remove(ctx);
    const expected = JSON5.parse(ORIGINAL);
    expected.channels.discord = { enabled: false };
    expected.agents.defaults.model.fallbacks.push('anthropic/claude-haiku-4-5');
    expect(JSON5.parse(read(file))).toEqual(expected);
    expect(ctx.lines.join('\n')).toMatch(/original is kept at .*metaclaw-backup/);
  });

  it('a user who picked another model since keeps it; only our provider goes', async () => {
    const { ctx, file } = setup();
    await openclawIntegration.install(ctx, {});
    const edited = JSON5.parse(read(file));
    edited.agents.defaults.model.primary = 'ollama/llama3.3';
    fs.writeFileSync(file, JSON.stringify(edited, null, 2));
    await openclawIntegration.remove(ctx);
    const cfg = JSON5.parse(read(file));
    expect(cfg.agents.defaults.model.primary).toBe('ollama/llama3.3');
    expect(cfg.models.providers.metaclaw).toBeUndefined();
    expect(cfg.agents.defaults.models['metaclaw/kimi-k2']).toBeUndefined();
  });

  it('keeps a string model selection a string, and restores it exactly', async () => {
    const text = `{
  // short form
  agents: { defaults: { model: "openai/gpt-5" } },
}`;
    const { ctx, file } = setup(text);
    await openclawIntegration.install(ctx, {});
    expect(JSON5.parse(read(file)).agents.defaults.model).toBe('metaclaw/kimi-k2');
    fs.appendFileSync(file, '\n'); // touched: forces the structural path
    await openclawIntegration.remove(ctx);
    expect(JSON5.parse(read(file))).toEqual({ agents: { defaults: { model: 'openai/gpt-5' } } });
  });

  it('creates the file when OpenClaw has none and deletes it again; removes only containers it created', async () => {
    const { ctx, file } = setup(null);
    await openclawIntegration.install(ctx, {});
    expect(JSON5.parse(read(file)).agents.defaults.model).toEqual({ primary: 'metaclaw/kimi-k2' });
    await openclawIntegration.remove(ctx);
    expect(fs.existsSync(file)).toBe(false);

    const minimal = '{ gateway: { port: 18789 } }\n';
    const b = setup(minimal);
    await openclawIntegration.install(b.ctx, {});
    fs.appendFileSync(b.file, ' '); // structural path
    await openclawIntegration.remove(b.ctx);
    expect(JSON5.parse(read(b.file))).toEqual({ gateway: { port: 18789 } });
  });

  it('restarts the gateway when `openclaw` is on PATH, otherwise says how', async () => {
    const a = setup();
    await openclawIntegration.install(a.ctx, {});
    expect(a.ctx.commands).toEqual([]);
    expect(a.ctx.lines.join('\n')).toMatch(/openclaw gateway restart/);

    const b = setup();
    b.ctx.which = (cmd) => (cmd === 'openclaw' ? '/usr/local/bin/openclaw' : null);
    await openclawIntegration.install(b.ctx, {});
    expect(b.ctx.commands).toEqual([{ file: 'openclaw', args: ['gateway', 'restart'] }]);
  });

  it('refuses a file that is not JSON5, without touching it', async () => {
    const { ctx, file } = setup('{ models: { ');
    await expect(openclawIntegration.install(ctx, {})).rejects.toThrow(/not valid JSON5/);
    expect(read(file)).toBe('{ models: { ');
  });

  it('status reports wiring and drift', async () => {
    const { ctx, file } = setup();
    expect(openclawIntegration.status(ctx).wired).toBe(false);
    await openclawIntegration.install(ctx, {});
    expect(openclawIntegration.status(ctx)).toMatchObject({ wired: true, drifted: false });
    fs.writeFileSync(file, ORIGINAL);
    expect(openclawIntegration.status(ctx)).toMatchObject({ wired: false, drifted: true });
  });
});

/**
 * `openclaw` as far as the plugin commands go (2026.9.6, observed): `plugins install` adds
 * `plugins.entries.metaclaw.enabled = true` and its `meta` block and rewrites the file as JSON;
 * `plugins uninstall` leaves `enabled: false` behind.
 */
function fakeOpenClaw(file: string, fail = false) {
  const commands: string[][] = [];
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON5 is edited ad hoc
  const edit = (fn: (cfg: Record<string, any>) => void) => {
    const cfg = JSON5.parse(read(file));
    fn(cfg);
    fs.writeFileSync(file, `${JSON.stringify(cfg, null, 2)}\n`);
  };
  const run: CommandRunner = async (_file, args) => {
    commands.push(args);
    if (fail) return { code: 1, stdout: '', stderr: 'Plugin "metaclaw" requires capability consent.' };
    if (args[0] === 'plugins' && args[1] === 'install')
      edit((cfg) => {
        cfg.plugins = { ...cfg.plugins, entries: { ...cfg.plugins?.entries, metaclaw: { enabled: true } } };
        cfg.meta = { ...cfg.meta, lastTouchedVersion: '2026.9.6' };
      });
    if (args[0] === 'plugins' && args[1] === 'uninstall')
      edit((cfg) => {
        cfg.plugins.entries.metaclaw = { enabled: false };
      });
    return { code: 0, stdout: '', stderr: '' };
  };
  return { commands, run };
}

describe('OpenClaw plugin (--plugin)', () => {
  const onPath = (cmd: string) => (cmd === 'openclaw' ? '/usr/local/bin/openclaw' : null);

  it('installs the shipped plugin through `openclaw plugins install`; removal uninstalls it and restores the file byte for byte', async () => {
    const { ctx, file } = setup();
    const oc = fakeOpenClaw(file);
    Object.assign(ctx, { which: onPath, run: oc.run });
    await openclawIntegration.install(ctx, { plugin: true });
    const dir = openclawPluginDir();
    expect(fs.existsSync(path.join(dir, 'openclaw.plugin.json'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'index.js'))).toBe(true);
    expect(oc.commands).toEqual([
      ['plugins', 'install', '--force', '--accept-capabilities', dir],
      ['gateway', 'restart'],
    ]);
    expect(JSON5.parse(read(file)).plugins.entries.metaclaw).toEqual({ enabled: true });
    expect(openclawIntegration.status(ctx).detail).toMatch(/with the MetaClaw plugin/);
    await openclawIntegration.install(ctx, { plugin: true }); // again: reinstalls, same file
    await openclawIntegration.remove(ctx);
    expect(oc.commands.filter((c) => c[1] === 'uninstall')).toEqual([
      ['plugins', 'uninstall', 'metaclaw', '--force'],
    ]);
    expect(read(file)).toBe(ORIGINAL);
  });

  it('edited after the plugin install → removal takes out provider, selection and the plugin entry, keeps the edit', async () => {
    const { ctx, file } = setup();
    const oc = fakeOpenClaw(file);
    Object.assign(ctx, { which: onPath, run: oc.run });
    await openclawIntegration.install(ctx, { plugin: true, noRestart: true });
    const cfg = JSON5.parse(read(file));
    cfg.channels.telegram.enabled = false;
    fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
    await openclawIntegration.remove(ctx);
    const after = JSON5.parse(read(file));
    expect(after.plugins).toBeUndefined();
    expect(after.models.providers.metaclaw).toBeUndefined();
    expect(after.channels.telegram.enabled).toBe(false);
    expect(after.agents.defaults.model.primary).toBe('anthropic/claude-sonnet-4-5');
  });

  it('without `openclaw` on PATH it prints the exact commands; a failed install is reported, not recorded', async () => {
    const a = setup();
    await openclawIntegration.install(a.ctx, { plugin: true });
    expect(a.ctx.commands).toEqual([]);
    const said = a.ctx.lines.join('\n');
    expect(said).toContain(`openclaw plugins install --force --accept-capabilities ${openclawPluginDir()}`);
    expect(openclawIntegration.status(a.ctx).detail).not.toMatch(/plugin/);

    const b = setup();
    const oc = fakeOpenClaw(b.file, true);
    Object.assign(b.ctx, { which: onPath, run: oc.run });
    await openclawIntegration.install(b.ctx, { plugin: true, noRestart: true });
    expect(b.ctx.lines.join('\n')).toMatch(
      /installing the MetaClaw plugin failed \(exit 1\): .*capability consent/,
    );
    await openclawIntegration.remove(b.ctx);
    expect(oc.commands.some((c) => c[1] === 'uninstall')).toBe(false);
  });

  it('without --plugin it says how to get exact sessions', async () => {
    const { ctx } = setup();
    await openclawIntegration.install(ctx, {});
    expect(ctx.lines.join('\n')).toContain('metaclaw integrate openclaw --plugin');
  });
});
