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
