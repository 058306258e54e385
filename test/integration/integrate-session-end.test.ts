import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

let fake: FakeLlm;
let proxy: TestProxy;

beforeAll(async () => {
  fake = await startFakeLlm();
  proxy = await startProxy({ upstream: openaiUpstream(fake.url), proxy: { api_key: 'proxy-key' } });
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});

const auth = { authorization: 'Bearer proxy-key' };

async function end(id: string, headers: Record<string, string> = auth) {
  return fetch(`${proxy.url}/v1/admin/sessions/${encodeURIComponent(id)}/end`, { method: 'POST', headers });
}

describe('POST /v1/admin/sessions/:id/end', () => {
  it('ends an open session explicitly, runs end listeners once, and is idempotent', async () => {
    const ended: string[] = [];
    proxy.app.tracker.onEnded((id, reason) => ended.push(`${id}:${reason}`));
    const id = `oc-${Date.now()}`;
    const r = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-session-id': id, 'x-turn-type': 'main' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(r.status).toBe(200);
    expect(proxy.app.sessions.get(id)!.endedAt).toBeNull();

    const first = await end(id);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ id, ended: true, end_reason: 'explicit' });
    expect(proxy.app.sessions.get(id)).toMatchObject({ endReason: 'explicit' });
    expect(ended).toEqual([`${id}:explicit`]);

    const again = await end(id);
    expect(await again.json()).toMatchObject({ id, ended: false, end_reason: 'explicit' });
    expect(ended).toHaveLength(1);
  });

  it('404 for an unknown session, 401 without the proxy key', async () => {
    const missing = await end('no-such-session');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/no session/);
    expect((await end('x', {})).status).toBe(401);
  });
});

async function start(id: string, body?: unknown, headers: Record<string, string> = auth) {
  return fetch(`${proxy.url}/v1/admin/sessions/${encodeURIComponent(id)}/start`, {
    method: 'POST',
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('POST /v1/admin/sessions/:id/start', () => {
  it('declares a session open before its first call; idempotent; the first call then joins it', async () => {
    const id = `cc-${Date.now()}`;
    const open = proxy.app.tracker.openCount;
    const first = await start(id, { client: 'claude-code' });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ id, created: true, client: 'claude-code', ended_at: null });
    expect(proxy.app.sessions.get(id)).toMatchObject({
      source: 'header',
      client: 'claude-code',
      endedAt: null,
    });
    expect(proxy.app.tracker.openCount).toBe(open + 1);

    const again = await start(id); // an empty body is fine
    expect(await again.json()).toMatchObject({ id, created: false, client: 'claude-code' });
    expect(proxy.app.tracker.openCount).toBe(open + 1);

    const r = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-session-id': id, 'x-turn-type': 'main' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(r.headers.get('x-metaclaw-session-id')).toBe(id);
    await r.text();
    expect(proxy.app.sessions.get(id)).toMatchObject({ turnCount: 1, endedAt: null });
    expect((await end(id)).status).toBe(200);
    expect(proxy.app.sessions.get(id)!.endReason).toBe('explicit');
  });

  it('a declared session that sees no call ends by the idle timeout like any other', async () => {
    const id = `idle-${Date.now()}`;
    await start(id, { client: 'codex' });
    const ended = proxy.app.tracker.sweepIdle(Date.now() + 24 * 3600_000);
    expect(ended).toContain(id);
    expect(proxy.app.sessions.get(id)!.endReason).toBe('idle');
  });

  it('401 without the proxy key; 400 for a body that is not {client}', async () => {
    expect((await start('x', undefined, {})).status).toBe(401);
    const bad = await start('x', { client: 3 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/client/);
    expect((await start('x', { nope: true })).status).toBe(400);
  });
});
