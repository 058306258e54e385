import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { openaiUpstream, tempHome } from '../helpers/proxy.js';

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(async () => {
  await fake.close();
});

function spawnProxy(config: object, home: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.resolve('test/helpers/serve-child.ts'), JSON.stringify(config), home],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`proxy exited early with ${code}`)));
  });
}

describe('crash safety', () => {
  it('after kill -9 under concurrent load, every completed turn is in the store and the store opens cleanly', async () => {
    fake.script((req) => ({
      text: `answer to ${JSON.stringify(req.body.messages).length} chars`,
      chunkDelayMs: 1,
    }));
    const home = tempHome();
    const config = { upstream: openaiUpstream(fake.url), judge: { enabled: false } };
    const { child, url } = await spawnProxy(config, home);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0 });
    const completed: string[] = [];
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const stream = i % 2 === 0;
          if (stream) {
            const { data, response } = await client.chat.completions
              .create({ model: 'm', stream: true, messages: [{ role: 'user', content: `w${w} i${i}` }] })
              .withResponse();
            for await (const _ of data) {
              // drain to the end: the response completed only if the loop finishes
            }
            completed.push(response.headers.get('x-metaclaw-turn-id')!);
          } else {
            const { response } = await client.chat.completions
              .create({ model: 'm', messages: [{ role: 'user', content: `w${w} i${i}` }] })
              .withResponse();
            completed.push(response.headers.get('x-metaclaw-turn-id')!);
          }
        } catch {
          return; // the server died under us: expected
        }
      }
    };
    const workers = Array.from({ length: 16 }, (_, w) => worker(w));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    expect(completed.length).toBeGreaterThan(20);

    const dbFile = path.join(home, 'metaclaw.db');
    const check = new Database(dbFile, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
    const db = openStore(dbFile);
    const have = new Set((db.prepare('SELECT id FROM turns').all() as { id: string }[]).map((r) => r.id));
    const missing = completed.filter((id) => !have.has(id));
    expect(missing).toEqual([]);
    db.close();

    // And the service starts again on the same store.
    const again = await spawnProxy(config, home);
    const res = await new OpenAI({
      baseURL: `${again.url}/v1`,
      apiKey: 'k',
      maxRetries: 0,
    }).chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'after restart' }],
    });
    expect(res.choices[0]!.message.content).toMatch(/answer/);
    again.child.kill('SIGKILL');
  }, 30_000);
});
