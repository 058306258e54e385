import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { freePort, runCli } from '../helpers/cli.js';
import { eventually, tempHome } from '../helpers/proxy.js';

let fake: FakeLlm;
let release: () => void = () => {};
beforeAll(async () => {
  fake = await startFakeLlm();
  // The upstream holds its answer until the test lets go: the request stays in flight.
  fake.script(() => new Promise((resolve) => (release = () => resolve({ text: 'late answer' }))));
});
afterAll(async () => {
  release();
  await fake.close();
});

/** Issue 17 point 16: the first Ctrl-C says what it waits for; the second quits at once. */
describe('metaclaw start --foreground and Ctrl-C', () => {
  it('first Ctrl-C names the requests in flight, the second exits now and removes the pid file', async () => {
    const home = tempHome();
    const port = await freePort();
    for (const [k, v] of [
      ['proxy.port', String(port)],
      ['upstream.provider', 'openai'],
      ['upstream.base_url', `${fake.url}/v1`],
      ['upstream.api_key', 'k'],
      ['judge.enabled', 'false'],
    ])
      expect((await runCli(['config', 'set', k!, v!], { home })).code).toBe(0);
    const child = spawn(process.execPath, [path.resolve('bin/metaclaw.js'), 'start', '--foreground'], {
      env: { PATH: process.env.PATH, HOME: home, METACLAW_HOME: home },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await eventually(() => stderr.includes('MetaClaw listening on'), 20_000);
      const inFlight = fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hold on' }] }),
      }).catch((e: Error) => e);
      await eventually(() => fake.requests.length >= 1, 10_000);

      child.kill('SIGINT');
      await eventually(() => stderr.includes('waiting for 1 request in flight'), 10_000);
      expect(stderr).toContain('Ctrl-C again to quit now');
      expect(fs.existsSync(path.join(home, 'metaclaw.pid'))).toBe(true); // still draining

      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain('MetaClaw: stopping now');
      expect(fs.existsSync(path.join(home, 'metaclaw.pid'))).toBe(false);
      expect(await inFlight).toBeInstanceOf(Error); // cut, as the user asked
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
