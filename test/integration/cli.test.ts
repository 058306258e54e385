import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { freePort, runCli } from '../helpers/cli.js';
import { tempHome } from '../helpers/proxy.js';

/** The real CLI with a temporary HOME. */
function metaclaw(home: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(args, { home, metaclawHome: home, env });
}

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(async () => {
  await fake.close();
});

describe('metaclaw CLI', () => {
  it('start (background) → status → a request → sessions → stop', async () => {
    const home = tempHome();
    const port = await freePort();
    expect((await metaclaw(home, ['config', 'set', 'proxy.port', String(port)])).code).toBe(0);
    expect((await metaclaw(home, ['config', 'set', 'upstream.provider', 'openai'])).code).toBe(0);
    expect((await metaclaw(home, ['config', 'set', 'upstream.base_url', `${fake.url}/v1`])).code).toBe(0);
    expect((await metaclaw(home, ['config', 'set', 'upstream.api_key', 'sk-upstream-12345'])).code).toBe(0);
    expect(fs.statSync(path.join(home, 'config.yaml')).mode & 0o777).toBe(0o600);

    const shown = await metaclaw(home, ['config', 'show']);
    expect(shown.stdout).toContain('****2345');
    expect(shown.stdout).not.toContain('sk-upstream-12345');
    expect((await metaclaw(home, ['config', 'get', 'proxy.port'])).stdout.trim()).toBe(String(port));

    const notRunning = await metaclaw(home, ['status']);
    expect(notRunning.code).toBe(1);
    expect(notRunning.stdout).toMatch(/not running/);

    const started = await metaclaw(home, ['start']);
    expect(started.code).toBe(0);
    expect(started.stdout).toContain(`http://127.0.0.1:${port}`);
    try {
      const again = await metaclaw(home, ['start']);
      expect(again.stdout).toMatch(/already running/);

      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello cli' }] }),
      });
      expect(res.status).toBe(200);

      const status = await metaclaw(home, ['status', '--json']);
      expect(status.code).toBe(0);
      const s = JSON.parse(status.stdout);
      expect(s).toMatchObject({ running: true, turns: 1, sessions: 1, upstream: { provider: 'openai' } });

      const list = JSON.parse((await metaclaw(home, ['sessions', 'list', '--json'])).stdout) as {
        id: string;
      }[];
      expect(list).toHaveLength(1);
      const show = JSON.parse((await metaclaw(home, ['sessions', 'show', list[0]!.id, '--json'])).stdout);
      expect(show.turns[0].request.messages[0].content).toBe('hello cli');
    } finally {
      const stopped = await metaclaw(home, ['stop']);
      expect(stopped.code).toBe(0);
      expect(stopped.stdout).toMatch(/stopped/);
    }
    expect((await metaclaw(home, ['status'])).code).toBe(1);
  }, 60_000);

  it('start fails with the reason when the port is taken', async () => {
    const home = tempHome();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await metaclaw(home, ['start', '--port', String(port)]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/already in use/);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('config errors exit 2 and name the key', async () => {
    const home = tempHome();
    fs.writeFileSync(path.join(home, 'config.yaml'), 'proxy:\n  port: "high"\n');
    const r = await metaclaw(home, ['config', 'show']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/proxy\.port/);
    // status works whatever the config says (issue 17), naming the key all the same.
    expect((await metaclaw(home, ['status'])).stdout).toMatch(/proxy\.port/);
    const bad = await metaclaw(tempHome(), ['config', 'set', 'proxy.host', '0.0.0.0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/proxy\.api_key/);
  });
});

describe('metaclaw CLI: issue 17 (data, config, polish)', () => {
  it('uninstall deletes only what MetaClaw created and keeps the folder, saying what was kept; reads make no store', async () => {
    const user = tempHome();
    const home = path.join(user, 'mc');
    const mc = (args: string[]) => runCli(args, { home: user, metaclawHome: home });
    expect((await mc(['skills', 'list'])).code).toBe(0);
    expect((await mc(['skills', 'history'])).code).toBe(0);
    expect(fs.existsSync(path.join(home, 'metaclaw.db'))).toBe(false);
    expect((await mc(['config', 'set', 'proxy.port', '4111'])).code).toBe(0);
    expect((await mc(['skills', 'init'])).code).toBe(0);
    expect(fs.existsSync(path.join(home, 'metaclaw.db'))).toBe(true);
    fs.writeFileSync(path.join(home, 'thesis.txt'), 'mine');
    const r = await mc(['uninstall', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/kept .*thesis\.txt/);
    expect(fs.readFileSync(path.join(home, 'thesis.txt'), 'utf8')).toBe('mine');
    expect(fs.readdirSync(home)).toEqual(['thesis.txt']);
  });

  it('config: unknown keys get a suggestion in get and set alike; unset restores the default', async () => {
    const home = tempHome();
    for (const args of [
      ['config', 'get', 'judge.modle'],
      ['config', 'set', 'judge.modle', 'x'],
    ]) {
      const r = await metaclaw(home, args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/did you mean `judge.model`/);
    }
    expect((await metaclaw(home, ['config', 'set', 'proxy.port', '4222'])).code).toBe(0);
    expect((await metaclaw(home, ['config', 'unset', 'proxy.port'])).code).toBe(0);
    expect((await metaclaw(home, ['config', 'get', 'proxy.port'])).stdout.trim()).toBe('30000');
  });

  it('stop works from the pid file when the config file is broken', async () => {
    const home = tempHome();
    const port = await freePort();
    expect((await metaclaw(home, ['config', 'set', 'proxy.port', String(port)])).code).toBe(0);
    expect((await metaclaw(home, ['start'])).code).toBe(0);
    fs.writeFileSync(path.join(home, 'config.yaml'), 'proxy: [broken\n');
    const stopped = await metaclaw(home, ['stop']);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/stopped/);
  });

  it('config set on a running service: live keys are applied, others say restart needed', async () => {
    const home = tempHome();
    const port = await freePort();
    expect((await metaclaw(home, ['config', 'set', 'proxy.port', String(port)])).code).toBe(0);
    expect((await metaclaw(home, ['start'])).code).toBe(0);
    try {
      const live = await metaclaw(home, ['config', 'set', 'logging.level', 'debug']);
      expect(live.stdout).toMatch(/applied it/);
      const restart = await metaclaw(home, ['config', 'set', 'sessions.idle_timeout_s', '99']);
      expect(restart.stdout).toMatch(/restart needed for sessions.idle_timeout_s/);
      const st = (await (await fetch(`http://127.0.0.1:${port}/v1/admin/config`)).json()) as {
        restart_needed: string[];
      };
      expect(st.restart_needed).toEqual(['sessions.idle_timeout_s']);
    } finally {
      await metaclaw(home, ['stop']);
    }
  });

  it('skills import of a skill the library already has makes no new revision', async () => {
    const home = tempHome();
    const src = path.join(home, 'src', 'my-skill');
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(
      path.join(src, 'SKILL.md'),
      '---\nname: my-skill\ndescription: Does a thing when testing imports\n---\n\nBody.\n',
    );
    expect((await metaclaw(home, ['skills', 'add', src])).code).toBe(0);
    const again = await metaclaw(home, ['skills', 'import', path.dirname(src)]);
    expect(again.stdout).toMatch(/nothing changed/);
    expect((await metaclaw(home, ['skills', 'history', 'my-skill'])).stdout.trim().split('\n')).toHaveLength(
      1,
    );
  });
});
