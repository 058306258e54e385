import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { runCli } from '../helpers/cli.js';
import { openaiUpstream, startProxy, type TestProxy, tempHome } from '../helpers/proxy.js';

// `metaclaw integrate claude-code` writes SessionStart / SessionEnd hooks into
// ~/.claude/settings.json; the command they run (`metaclaw hook claude-code`, by absolute paths)
// is executed here exactly as Claude Code runs it — through a shell, hook JSON on stdin — against
// a real proxy, which must then know the session as open, and then as ended.

let fake: FakeLlm;
let proxy: TestProxy;
let home: string;
const KEY = 'hook-proxy-key';

beforeAll(async () => {
  fake = await startFakeLlm();
  proxy = await startProxy({ upstream: openaiUpstream(fake.url), proxy: { api_key: KEY } });
  home = tempHome('metaclaw-hooks-');
  const port = new URL(proxy.url).port;
  fs.writeFileSync(
    path.join(home, 'config.yaml'),
    `proxy:\n  port: ${port}\n  api_key: ${KEY}\nupstream:\n  provider: openai\n  base_url: ${fake.url}/v1\n  api_key: x\n`,
  );
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run a hook command line the way Claude Code does: `sh -c`, the event JSON on stdin. */
function runHook(command: string, input: unknown, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { env: { PATH: process.env.PATH, HOME: home, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
    child.stdin.end(JSON.stringify(input));
  });
}

function settings(): { hooks: Record<string, { hooks: { command: string; timeout: number }[] }[]> } {
  return JSON.parse(fs.readFileSync(path.join(home, '.claude', 'settings.json'), 'utf8'));
}

describe('Claude Code hooks → metaclaw hook → proxy', () => {
  const userSettings = `${JSON.stringify(
    { hooks: { SessionStart: [{ matcher: 'startup', hooks: [{ type: 'command', command: 'true' }] }] } },
    null,
    2,
  )}\n`;

  it('integrate adds the hooks with absolute paths; SessionStart opens the session, SessionEnd ends it', async () => {
    fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
    fs.writeFileSync(path.join(home, '.claude', 'settings.json'), userSettings);
    const wired = await runCli(['integrate', 'claude-code'], { home });
    expect(wired.code).toBe(0);
    const s = settings();
    expect(s.hooks.SessionStart).toHaveLength(2);
    const start = s.hooks.SessionStart![1]!.hooks[0]!;
    const end = s.hooks.SessionEnd![0]!.hooks[0]!;
    expect(start.command).toBe(end.command);
    expect(start.command).toMatch(
      /^\S*node\S* \S*bin\/metaclaw\.js --config \S*config\.yaml hook claude-code$/,
    );

    const id = `cc-${Date.now()}`;
    const base = { session_id: id, transcript_path: '/tmp/t.jsonl', cwd: home };
    const opened = await runHook(start.command, {
      ...base,
      hook_event_name: 'SessionStart',
      source: 'startup',
    });
    expect(opened).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(proxy.app.sessions.get(id)).toMatchObject({
      client: 'claude-code',
      source: 'header',
      endedAt: null,
    });

    // Claude Code's calls carry the same id; one lands in the declared session.
    const r = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY, 'x-session-id': id },
      body: JSON.stringify({ model: 'm', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(r.headers.get('x-metaclaw-session-id')).toBe(id);
    await r.text();

    const ended = await runHook(end.command, {
      ...base,
      hook_event_name: 'SessionEnd',
      reason: 'prompt_input_exit',
    });
    expect(ended).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(proxy.app.sessions.get(id)).toMatchObject({ endReason: 'explicit', turnCount: 1 });
  });

  it('never gets in the way: proxy down, junk input, other events → exit 0, nothing on stdout', async () => {
    const command = settings().hooks.SessionEnd![0]!.hooks[0]!.command;
    const down = command.replace(/--config \S+/, `--config ${path.join(home, 'down.yaml')}`);
    fs.writeFileSync(path.join(home, 'down.yaml'), 'proxy:\n  port: 9\n');
    const a = await runHook(down, { hook_event_name: 'SessionEnd', session_id: 'x', reason: 'other' });
    expect(a).toMatchObject({ code: 0, stdout: '' });
    expect(a.stderr).toMatch(/^metaclaw hook: cannot reach the MetaClaw proxy at http:\/\/127\.0\.0\.1:9/);
    expect(a.ms).toBeLessThan(5000);

    const b = await runHook(command, 'not json');
    expect(b).toMatchObject({ code: 0, stdout: '' });
    const c = await runHook(command, { hook_event_name: 'Stop', session_id: 'x' });
    expect(c).toMatchObject({ code: 0, stdout: '', stderr: '' });
    // Ending a session the proxy never saw (the user quit before the first call) is not an error.
    const d = await runHook(command, {
      hook_event_name: 'SessionEnd',
      session_id: 'never-seen',
      reason: 'other',
    });
    expect(d).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const e = await runHook(command.replace(/--config \S+/, '--config /nonexistent.yaml'), {});
    expect(e).toMatchObject({ code: 0, stdout: '' });
    expect(e.stderr).toMatch(/metaclaw hook: .*not found/);
  });

  it('integrate --remove takes out exactly MetaClaw’s hooks and env: the user’s file comes back', async () => {
    const removed = await runCli(['integrate', '--remove', 'claude-code'], { home });
    expect(removed.code).toBe(0);
    expect(fs.readFileSync(path.join(home, '.claude', 'settings.json'), 'utf8')).toBe(userSettings);
  });
});
