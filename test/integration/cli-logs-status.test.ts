import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { RewardRepository } from '../../src/store/rewards.js';
import { RlFailureRepository } from '../../src/store/training.js';
import { TurnRepository } from '../../src/store/turns.js';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { freePort, runCli } from '../helpers/cli.js';
import { tempHome } from '../helpers/proxy.js';

const metaclaw = (home: string, args: string[]) => runCli(args, { home, metaclawHome: home });
const PROMPT = 'private-prompt-text-9931';

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(async () => {
  await fake.close();
});

describe('metaclaw logs and status (real background service)', () => {
  it('logs shows the request line readable and --json raw; status works with a broken config', async () => {
    const home = tempHome();
    const port = await freePort();
    for (const [k, v] of [
      ['proxy.port', String(port)],
      ['upstream.provider', 'openai'],
      ['upstream.base_url', `${fake.url}/v1`],
      ['upstream.api_key', 'sk-upstream-secret-777'],
    ]) {
      expect((await metaclaw(home, ['config', 'set', k!, v!])).code).toBe(0);
    }
    expect((await metaclaw(home, ['logs'])).stderr).toMatch(/no log yet/);
    expect((await metaclaw(home, ['start'])).code).toBe(0);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer client-key-55' },
        body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: PROMPT }] }),
      });
      expect(res.status).toBe(200);
      const logFile = path.join(home, 'logs', 'metaclaw.log');
      expect(fs.statSync(logFile).mode & 0o777).toBe(0o600);

      let raw = '';
      for (let i = 0; i < 50 && !raw.includes('"msg":"request"'); i++) {
        raw = (await metaclaw(home, ['logs', '--json', '-n', '100'])).stdout;
        if (!raw.includes('"msg":"request"')) await new Promise((r) => setTimeout(r, 100));
      }
      const line = raw
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'request');
      expect(line).toMatchObject({ protocol: 'openai-chat', model: 'fake-model', status: 200, skills: 0 });

      const readable = await metaclaw(home, ['logs', '-n', '100']);
      expect(readable.code).toBe(0);
      const reqLine = readable.stdout.split('\n').find((l) => / INFO {2}request /.test(l));
      expect(reqLine).toMatch(
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d INFO {2}request protocol=openai-chat/,
      );
      expect(reqLine).toContain('model=fake-model');
      expect(reqLine).toContain('status=200');
      expect(readable.stdout).not.toContain('{"level"');
      const one = await metaclaw(home, ['logs', '-n', '1']);
      expect(one.stdout.trim().split('\n')).toHaveLength(1);
      for (const out of [raw, readable.stdout]) {
        expect(out).not.toContain(PROMPT);
        expect(out).not.toContain('client-key-55');
        expect(out).not.toContain('sk-upstream-secret-777');
      }

      // sessions show: the request, the answer, skills, and the judge's score with its rationale.
      const list = JSON.parse((await metaclaw(home, ['sessions', 'list', '--json'])).stdout) as {
        id: string;
      }[];
      const sid = list[0]!.id;
      const db = openStore(path.join(home, 'metaclaw.db'));
      try {
        const turn = new TurnRepository(db).listBySession(sid)[0]!;
        new RewardRepository(db).insert({
          turnId: turn.id,
          source: 'judge',
          score: 1,
          rationale: 'did what was asked',
        });
        new RewardRepository(db).insert({ turnId: turn.id, source: 'user', score: -0.5 });
      } finally {
        db.close();
      }
      const shown = await metaclaw(home, ['sessions', 'show', `#${sid.slice(0, 8)}`]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(new RegExp(`request: +user: ${PROMPT}`));
      expect(shown.stdout).toMatch(/answer: +\S/);
      expect(shown.stdout).toContain('skills:   none injected');
      expect(shown.stdout).toMatch(/judge: +\+1\.00 \(judge\) did what was asked/);
      expect(shown.stdout).toMatch(/feedback: -0\.50 \(user\)/);

      // status, readable: store write health and settings waiting for a restart, from the service.
      expect((await metaclaw(home, ['config', 'set', 'sessions.idle_timeout_s', '99'])).code).toBe(0);
      const full = await metaclaw(home, ['status']);
      expect(full.code).toBe(0);
      expect(full.stdout).toMatch(/writes: +ok/);
      expect(full.stdout).toContain('restart needed for: sessions.idle_timeout_s');
      const fullJson = JSON.parse((await metaclaw(home, ['status', '--json'])).stdout) as Record<
        string,
        unknown
      >;
      expect(fullJson).toMatchObject({
        store_writes: { ok: true },
        restart_needed: ['sessions.idle_timeout_s'],
      });

      // A broken config file must not hide the running service.
      fs.writeFileSync(path.join(home, 'config.yaml'), 'proxy: [broken\n');
      const st = await metaclaw(home, ['status']);
      expect(st.code).toBe(0);
      expect(st.stdout).toMatch(/MetaClaw is running \(pid \d+\)/);
      expect(st.stdout).toContain(path.join(home, 'metaclaw.pid'));
      expect(st.stdout).toMatch(/config: +error:/);
      const js = JSON.parse((await metaclaw(home, ['status', '--json'])).stdout) as Record<string, unknown>;
      expect(js).toMatchObject({ running: true, answering: true, url: `http://127.0.0.1:${port}` });
      expect(typeof js.config_error).toBe('string');
      // logs still finds the file (default path) with the config broken.
      expect((await metaclaw(home, ['logs', '-n', '5'])).code).toBe(0);
    } finally {
      expect((await metaclaw(home, ['stop'])).code).toBe(0);
    }
  });

  it('status shows stored RL failures that have not recovered, with the service down', async () => {
    const home = tempHome();
    expect((await metaclaw(home, ['config', 'set', 'rl.base_model', 'Qwen/Qwen3-8B'])).code).toBe(0);
    expect((await metaclaw(home, ['config', 'set', 'rl.enabled', 'true'])).code).toBe(0);
    const db = openStore(path.join(home, 'metaclaw.db'));
    const failures = new RlFailureRepository(db);
    failures.record('heartbeat', new Error('session expired'), 1_000);
    failures.record('step', new Error('forward_backward: 500 from backend'), 2_000);
    failures.recovered('heartbeat', 3_000);
    db.close();
    const js = JSON.parse((await metaclaw(home, ['status', '--json'])).stdout) as Record<string, unknown>;
    expect(js.rl_failures).toEqual({
      unrecovered: 1,
      recent: [{ at: 2_000, kind: 'step', message: 'forward_backward: 500 from backend' }],
    });
    const text = (await metaclaw(home, ['status'])).stdout;
    expect(text).toContain('! rl: 1 unrecovered failure, last step: forward_backward: 500 from backend');
  });
});
