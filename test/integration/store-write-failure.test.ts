import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/cli/doctor.js';
import { writePidFile } from '../../src/cli/pidfile.js';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

/**
 * Issue 17 point 3 against a real service: the store's own connection is capped at its current
 * size (`max_page_count`), so SQLite fails turn writes with its real "database or disk is full".
 */
let fake: FakeLlm;
let proxy: TestProxy;

beforeAll(async () => {
  fake = await startFakeLlm();
  proxy = await startProxy({ upstream: openaiUpstream(fake.url) });
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});

// Incompressible, so the turn needs new pages (the store compresses and dedups bodies).
const big = randomBytes(30_000).toString('base64');
const turns = () => proxy.app.db.prepare('SELECT COUNT(*) FROM turns').pluck().get() as number;

describe('a failed turn write is never silent', () => {
  it('503s in each protocol shape, errors a stream, turns readiness red, and recovers by itself', async () => {
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'k', maxRetries: 0 });
    await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'warm up' }] });
    const before = turns();
    const pages = proxy.app.db.pragma('page_count', { simple: true }) as number;
    proxy.app.db.pragma(`max_page_count = ${pages}`);

    const e1 = await openai.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: big }] })
      .catch((e) => e);
    expect(e1).toBeInstanceOf(OpenAI.APIError);
    expect(e1.status).toBe(503);
    expect(e1.message).toMatch(/could not record this turn/);

    const e2 = await anthropic.messages
      .create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: big }] })
      .catch((e) => e);
    expect(e2).toBeInstanceOf(Anthropic.APIError);
    expect(e2.status).toBe(503);

    // A stream gets an error event instead of its final event.
    const stream = await anthropic.messages.create({
      model: 'm',
      max_tokens: 10,
      stream: true,
      messages: [{ role: 'user', content: big }],
    });
    const types: string[] = [];
    const e3 = await (async () => {
      for await (const ev of stream) types.push(ev.type);
    })().catch((e) => e);
    expect(e3).toBeInstanceOf(Error);
    expect(String(e3.message)).toMatch(/could not record this turn/);
    expect(types).not.toContain('message_stop');

    const ready = await fetch(`${proxy.url}/readyz`);
    expect(ready.status).toBe(503);
    const health = await fetch(`${proxy.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'degraded',
      store: 'write_failing',
      store_writes: { ok: false, failed_writes: 3, last_error: expect.stringMatching(/full/) },
    });
    expect(turns()).toBe(before);

    // doctor asks the running service and says so, with the fix.
    writePidFile(proxy.home, {
      pid: process.pid,
      url: proxy.url,
      startedAt: Date.now(),
      configFile: path.join(proxy.home, 'config.yaml'),
    });
    const checks = await runDoctor({}, { METACLAW_HOME: proxy.home }, 3000);
    expect(checks.find((c) => c.name === 'store writes')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/3 turn writes failed since .*full/),
      hint: expect.stringMatching(/free disk space/),
    });

    // Space comes back: the next turn is stored and the alarm clears by itself.
    proxy.app.db.pragma('max_page_count = 1073741823');
    const ok = await openai.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: big }],
    });
    expect(ok.choices[0]?.message).toBeDefined();
    expect(turns()).toBe(before + 1);
    expect((await fetch(`${proxy.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${proxy.url}/healthz`)).json()).toMatchObject({
      status: 'ok',
      store_writes: { ok: true, failed_writes: 3, since: null },
    });
  });
});
