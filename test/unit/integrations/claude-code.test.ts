import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { claudeCodeIntegration, claudeSettingsFile } from '../../../src/integrations/claude-code.js';
import { read, testContext, writeFile } from './helpers.js';

// Claude Code writes its settings as 2-space JSON; this one has other keys, other env vars and hooks.
const CANONICAL = `${JSON.stringify(
  {
    $schema: 'https://json.schemastore.org/claude-code-settings.json',
    model: 'opus',
    env: {
      DISABLE_TELEMETRY: '1',
      ANTHROPIC_BASE_URL: 'https://gateway.example.com',
      BASH_MAX_TIMEOUT_MS: '60000',
    },
    permissions: { allow: ['Bash(npm run test:*)'], deny: ['Read(./.env)'] },
    hooks: {
      PostToolUse: [{ matcher: 'Edit', hooks: [{ type: 'command', command: 'npx prettier --write' }] }],
    },
  },
  null,
  2,
)}\n`;

const HOOK = '/usr/bin/node /opt/metaclaw/bin/metaclaw.js hook claude-code';
const ours = (event: 'SessionStart' | 'SessionEnd') => ({
  hooks: [
    event === 'SessionStart'
      ? { type: 'command', command: HOOK, timeout: 10, async: true }
      : { type: 'command', command: HOOK, timeout: 5 },
  ],
});

// The user's own hooks for the same events (one with a matcher), plus another event.
const WITH_HOOKS = `${JSON.stringify(
  {
    model: 'opus',
    hooks: {
      SessionStart: [{ matcher: 'startup', hooks: [{ type: 'command', command: '~/bin/greet.sh' }] }],
      SessionEnd: [{ hooks: [{ type: 'command', command: 'notify-send bye', timeout: 2 }] }],
      Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }],
    },
  },
  null,
  2,
)}\n`;

function setup(text: string | null) {
  const ctx = testContext();
  const file = claudeSettingsFile(ctx.userHome);
  if (text !== null) writeFile(file, text);
  return { ctx, file };
}

describe('Claude Code wiring', () => {
  it('sets the two variables in place (key order kept) and restores previous values exactly', async () => {
    const { ctx, file } = setup(CANONICAL);
    await claudeCodeIntegration.install(ctx, {});
    const s = JSON.parse(read(file));
    expect(Object.keys(s.env)).toEqual([
      'DISABLE_TELEMETRY',
      'ANTHROPIC_BASE_URL',
      'BASH_MAX_TIMEOUT_MS',
      'ANTHROPIC_AUTH_TOKEN',
    ]);
    expect(s.env.ANTHROPIC_BASE_URL).toBe('http://127.0.0.1:30000');
    expect(s.env.ANTHROPIC_AUTH_TOKEN).toBe('metaclaw-local');
    await claudeCodeIntegration.install(ctx, {}); // twice = once
    await claudeCodeIntegration.remove(ctx);
    expect(read(file)).toBe(CANONICAL);
  });

  it('edited after install → still byte-identical apart from the edit (2-space JSON round-trips exactly)', async () => {
    const { ctx, file } = setup(CANONICAL);
    await claudeCodeIntegration.install(ctx, {});
    const s = JSON.parse(read(file));
    s.permissions.allow.push('Bash(git status)');
    fs.writeFileSync(file, `${JSON.stringify(s, null, 2)}\n`);
    await claudeCodeIntegration.remove(ctx);
    const expected = JSON.parse(CANONICAL);
    expected.permissions.allow.push('Bash(git status)');
    expect(read(file)).toBe(`${JSON.stringify(expected, null, 2)}\n`);
  });

  it('unusual formatting: byte-identical when untouched; structurally equal after an edit (layout is re-indented)', async () => {
    const odd = '{"model":"sonnet",   "env":{"FOO":"bar"}}';
    const a = setup(odd);
    await claudeCodeIntegration.install(a.ctx, {});
    await claudeCodeIntegration.remove(a.ctx);
    expect(read(a.file)).toBe(odd);

    const b = setup(odd);
    await claudeCodeIntegration.install(b.ctx, {});
    const s = JSON.parse(read(b.file));
    s.model = 'opus';
    fs.writeFileSync(b.file, JSON.stringify(s));
    await claudeCodeIntegration.remove(b.ctx);
    expect(JSON.parse(read(b.file))).toEqual({ model: 'opus', env: { FOO: 'bar' } });
  });

  it('no settings file: creates one, and removal deletes it; an env object it created goes too', async () => {
    const a = setup(null);
    a.ctx.proxyKey = 'pk';
    await claudeCodeIntegration.install(a.ctx, {});
    expect(JSON.parse(read(a.file))).toEqual({
      env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:30000', ANTHROPIC_AUTH_TOKEN: 'pk' },
      hooks: {
        SessionStart: [{ hooks: [{ type: 'command', command: HOOK, timeout: 10, async: true }] }],
        SessionEnd: [{ hooks: [{ type: 'command', command: HOOK, timeout: 5 }] }],
      },
    });
    await claudeCodeIntegration.remove(a.ctx);
    expect(fs.existsSync(a.file)).toBe(false);

    const b = setup('{\n  "model": "opus"\n}\n');
    await claudeCodeIntegration.install(b.ctx, {});
    fs.appendFileSync(b.file, '\n');
    await claudeCodeIntegration.remove(b.ctx);
    expect(read(b.file)).toBe('{\n  "model": "opus"\n}\n');
  });

  it('adds SessionStart / SessionEnd hooks after the user’s own; removal takes out exactly ours', async () => {
    const { ctx, file } = setup(WITH_HOOKS);
    await claudeCodeIntegration.install(ctx, {});
    const s = JSON.parse(read(file));
    const user = JSON.parse(WITH_HOOKS).hooks;
    expect(s.hooks.SessionStart).toEqual([...user.SessionStart, ours('SessionStart')]);
    expect(s.hooks.SessionEnd).toEqual([...user.SessionEnd, ours('SessionEnd')]);
    expect(s.hooks.Stop).toEqual(user.Stop);
    await claudeCodeIntegration.install(ctx, {}); // twice = once: no second copy
    expect(JSON.parse(read(file)).hooks.SessionStart).toHaveLength(2);
    await claudeCodeIntegration.remove(ctx);
    expect(read(file)).toBe(WITH_HOOKS);
  });

  it('hooks: the user edits around ours after install → removal keeps every hook of theirs', async () => {
    const { ctx, file } = setup(WITH_HOOKS);
    await claudeCodeIntegration.install(ctx, {});
    const s = JSON.parse(read(file));
    // A new hook of theirs after ours, and one for an event we also use.
    s.hooks.SessionEnd.push({ hooks: [{ type: 'command', command: 'backup.sh' }] });
    s.hooks.PreCompact = [{ hooks: [{ type: 'command', command: 'log.sh' }] }];
    fs.writeFileSync(file, `${JSON.stringify(s, null, 2)}\n`);
    await claudeCodeIntegration.remove(ctx);
    const expected = JSON.parse(WITH_HOOKS);
    expected.hooks.SessionEnd.push({ hooks: [{ type: 'command', command: 'backup.sh' }] });
    expected.hooks.PreCompact = [{ hooks: [{ type: 'command', command: 'log.sh' }] }];
    expect(read(file)).toBe(`${JSON.stringify(expected, null, 2)}\n`);
  });

  it('hooks: arrays and the hooks object MetaClaw created go on removal; a new command replaces ours', async () => {
    const { ctx, file } = setup('{\n  "model": "opus"\n}\n');
    await claudeCodeIntegration.install(ctx, {});
    // Reinstall from another node/package path: our group is replaced, not duplicated.
    ctx.metaclawCommand = ['/opt/node 22/bin/node', '/opt/metaclaw/bin/metaclaw.js'];
    await claudeCodeIntegration.install(ctx, {});
    const s = JSON.parse(read(file));
    expect(s.hooks.SessionStart).toEqual([
      {
        hooks: [
          {
            type: 'command',
            command: `'/opt/node 22/bin/node' /opt/metaclaw/bin/metaclaw.js hook claude-code`,
            timeout: 10,
            async: true,
          },
        ],
      },
    ]);
    fs.appendFileSync(file, '\n'); // touched: the in-place revert runs, not the backup copy
    await claudeCodeIntegration.remove(ctx);
    expect(read(file)).toBe('{\n  "model": "opus"\n}\n');
  });

  it('--no-hooks: only the env variables', async () => {
    const { ctx, file } = setup(WITH_HOOKS);
    await claudeCodeIntegration.install(ctx, { hooks: false });
    expect(JSON.parse(read(file)).hooks).toEqual(JSON.parse(WITH_HOOKS).hooks);
  });

  it('--print-only writes nothing', async () => {
    const { ctx, file } = setup(null);
    await claudeCodeIntegration.install(ctx, { printOnly: true });
    expect(fs.existsSync(file)).toBe(false);
    expect(ctx.lines.join('\n')).toContain('export ANTHROPIC_BASE_URL=http://127.0.0.1:30000');
    expect(ctx.lines.join('\n')).toContain(`"command": "${HOOK}"`);
  });
});
