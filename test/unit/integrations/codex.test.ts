import fs from 'node:fs';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { codexConfigFile, codexIntegration } from '../../../src/integrations/codex.js';
import { CODEX_HOOKS_MARK } from '../../../src/integrations/codex-toml.js';
import { read, testContext, writeFile } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed TOML is inspected ad hoc
type Toml = Record<string, any>;
const toml = (text: string) => parse(text) as Toml;

const ORIGINAL = `# Codex configuration
model = "gpt-5-codex"   # my everyday model
approval_policy = "on-request"
notify = [
  "notify-send",
  "Codex",
]

# Local models
[model_providers.ollama]
name = "Ollama"
base_url = "http://localhost:11434/v1"

[profiles.fast]
model = "gpt-5-mini"
model_provider = "ollama"
`;

function setup(text: string | null = ORIGINAL) {
  const ctx = testContext();
  const file = codexConfigFile(ctx.userHome);
  if (text !== null) writeFile(file, text);
  return { ctx, file };
}

describe('Codex wiring (textual TOML edit)', () => {
  it('adds the provider table and selects it; comments and other tables stay in the text', async () => {
    const { ctx, file } = setup();
    await codexIntegration.install(ctx, {});
    const text = read(file);
    const cfg = toml(text);
    expect(cfg.model_provider).toBe('metaclaw');
    expect(cfg.model).toBe('kimi-k2');
    expect(cfg.model_providers.metaclaw).toEqual({
      name: 'MetaClaw',
      base_url: 'http://127.0.0.1:30000/v1',
      wire_api: 'responses',
      env_key: 'METACLAW_API_KEY',
    });
    expect(cfg.model_providers.ollama.base_url).toBe('http://localhost:11434/v1');
    expect(cfg.profiles.fast).toEqual({ model: 'gpt-5-mini', model_provider: 'ollama' });
    expect(text).toContain('# Codex configuration');
    expect(text).toContain('# Local models\n[model_providers.ollama]');
    expect(ctx.lines.join('\n')).toContain('export METACLAW_API_KEY=');
  });

  it('install twice = once; remove → byte-identical', async () => {
    const { ctx, file } = setup();
    await codexIntegration.install(ctx, {});
    const once = read(file);
    await codexIntegration.install(ctx, {});
    expect(read(file)).toBe(once);
    await codexIntegration.remove(ctx);
    expect(read(file)).toBe(ORIGINAL);
  });

  it('edited elsewhere after install → remove is still byte-identical apart from the edit (textual undo)', async () => {
    const { ctx, file } = setup();
    await codexIntegration.install(ctx, {});
    fs.appendFileSync(file, '\n[profiles.deep]\nmodel = "o3"\n');
    await codexIntegration.remove(ctx);
    expect(read(file)).toBe(`${ORIGINAL}\n[profiles.deep]\nmodel = "o3"\n`);
  });

  it('re-install with another model and URL still removes back to the original', async () => {
    const { ctx, file } = setup();
    await codexIntegration.install(ctx, {});
    fs.appendFileSync(file, '# touched\n');
    ctx.model = 'qwen-plus';
    ctx.proxyUrl = 'http://127.0.0.1:31000';
    await codexIntegration.install(ctx, {});
    expect(toml(read(file)).model).toBe('qwen-plus');
    await codexIntegration.remove(ctx);
    expect(read(file)).toBe(`${ORIGINAL}# touched\n`);
  });

  it('a previous model_provider line is replaced and restored; no final newline and no tables', async () => {
    const text = '# minimal\nmodel_provider = "ollama"\nmodel = "llama3.3"';
    const { ctx, file } = setup(text);
    await codexIntegration.install(ctx, {});
    expect(toml(read(file)).model_provider).toBe('metaclaw');
    fs.appendFileSync(file, '# x\n');
    await codexIntegration.remove(ctx);
    expect(read(file)).toBe(`${text}\n# x`);
  });

  it('a file that starts with a table gets the keys at the top; no file → created and deleted', async () => {
    const text =
      '[model_providers.openrouter]\nname = "OpenRouter"\nbase_url = "https://openrouter.ai/api/v1"\n';
    const a = setup(text);
    await codexIntegration.install(a.ctx, {});
    expect(
      read(a.file).startsWith('model_provider = "metaclaw"\nmodel = "kimi-k2"\n[model_providers.openrouter]'),
    ).toBe(true);
    fs.appendFileSync(a.file, '\n');
    await codexIntegration.remove(a.ctx);
    expect(read(a.file)).toBe(`${text}\n`);

    const b = setup(null);
    await codexIntegration.install(b.ctx, {});
    expect(toml(read(b.file)).model_provider).toBe('metaclaw');
    await codexIntegration.remove(b.ctx);
    expect(fs.existsSync(b.file)).toBe(false);
  });

  it('adds SessionStart / SessionEnd hook tables running `metaclaw hook codex`; removal is byte-identical', async () => {
    const { ctx, file } = setup();
    await codexIntegration.install(ctx, {});
    const text = read(file);
    const cmd = '/usr/bin/node /opt/metaclaw/bin/metaclaw.js hook codex';
    expect(toml(text).hooks).toEqual({
      SessionStart: [{ hooks: [{ type: 'command', command: cmd, timeout: 5 }] }],
      SessionEnd: [{ hooks: [{ type: 'command', command: cmd, timeout: 3 }] }],
    });
    expect(text).toContain(CODEX_HOOKS_MARK);
    expect(ctx.lines.join('\n')).toMatch(/trust/);
    await codexIntegration.remove(ctx);
    expect(read(file)).toBe(ORIGINAL);
  });

  it('hooks: Codex recording its trust and the user’s own hooks stay; a new command replaces ours', async () => {
    const own = `${ORIGINAL}\n[[hooks.SessionStart]]\n[[hooks.SessionStart.hooks]]\ntype = "command"\ncommand = "echo hi"\n`;
    const { ctx, file } = setup(own);
    await codexIntegration.install(ctx, {});
    expect(toml(read(file)).hooks.SessionStart).toHaveLength(2);
    ctx.metaclawCommand = ['/usr/local/bin/node', '/srv/metaclaw/bin/metaclaw.js'];
    await codexIntegration.install(ctx, {});
    const starts = toml(read(file)).hooks.SessionStart;
    expect(starts.map((g: Toml) => g.hooks[0].command)).toEqual([
      'echo hi',
      '/usr/local/bin/node /srv/metaclaw/bin/metaclaw.js hook codex',
    ]);
    // What Codex writes when the user trusts the hooks.
    const trust = `\n[hooks.state."${file}:session_start:1:0"]\ntrusted_hash = "abc"\n`;
    fs.appendFileSync(file, trust);
    expect(toml(read(file)).hooks.state).toBeDefined();
    await codexIntegration.remove(ctx);
    expect(read(file)).toBe(own + trust);
  });

  it('--no-hooks: no hook tables', async () => {
    const { ctx, file } = setup();
    await codexIntegration.install(ctx, { hooks: false });
    expect(toml(read(file)).hooks).toBeUndefined();
    await codexIntegration.remove(ctx);
    expect(read(file)).toBe(ORIGINAL);
  });

  it('refuses forms it does not edit (inline model_providers table) and invalid TOML, untouched', async () => {
    const inline = 'model_providers = { ollama = { name = "Ollama" } }\n';
    const a = setup(inline);
    await expect(codexIntegration.install(a.ctx, {})).rejects.toThrow(/Codex/);
    expect(read(a.file)).toBe(inline);
    const b = setup('model = \n');
    await expect(codexIntegration.install(b.ctx, {})).rejects.toThrow(/not valid TOML/);
  });
});
