import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskSecrets } from '../../src/config/edit.js';
import { redactUrl } from '../../src/config/upstream.js';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { startProxy } from '../helpers/proxy.js';

/** Credentials inside upstream.base_url are forwarded as meant and never shown. */
let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(async () => {
  await fake?.close();
});

const SECRETS = ['p%40ss', 'p@ss', 'sekrit'];
const port = () => new URL(fake.url).port;

describe('credentials in upstream.base_url', () => {
  it('redactUrl hides the password and query values', () => {
    expect(redactUrl('http://user:pw@host:8/v1?key=abc&x=1')).toBe('http://user:***@host:8/v1?key=***&x=***');
    expect(redactUrl('https://tok@host/v1')).toBe('https://***@host/v1');
    expect(redactUrl('https://api.openai.com/v1')).toBe('https://api.openai.com/v1');
    // `config show` masks every base_url the same way.
    const shown = JSON.stringify(maskSecrets({ upstream: { base_url: 'http://u:p%40ss@h/v1?key=sekrit' } }));
    for (const s of SECRETS) expect(shown).not.toContain(s);
  });

  it('sends the userinfo as Basic auth and keeps the query, and shows neither in /healthz', async () => {
    const proxy = await startProxy({
      upstream: { provider: 'openai', base_url: `http://user:p%40ss@127.0.0.1:${port()}/v1?key=sekrit` },
    });
    try {
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
      await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
      const seen = fake.requests.at(-1)!;
      expect(seen.path).toBe('/v1/chat/completions');
      expect(seen.query).toEqual({ key: 'sekrit' });
      expect(seen.headers.authorization).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
      const health = await (await fetch(`${proxy.url}/healthz`)).text();
      expect(health).toContain('127.0.0.1');
      for (const s of SECRETS) expect(health).not.toContain(s);
    } finally {
      await proxy.close();
    }
  });

  it('does not echo the credentials in a 502 body', async () => {
    const proxy = await startProxy({
      upstream: {
        provider: 'openai',
        base_url: 'http://user:p%40ss@127.0.0.1:9/v1?key=sekrit',
        max_retries: 0,
      },
    });
    try {
      const res = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(502);
      const body = await res.text();
      expect(body).toContain('127.0.0.1:9');
      for (const s of SECRETS) expect(body).not.toContain(s);
    } finally {
      await proxy.close();
    }
  });

  it('refuses userinfo together with an API key (both would be the Authorization header)', async () => {
    await expect(
      startProxy({
        upstream: { provider: 'openai', base_url: `http://u:p@127.0.0.1:${port()}/v1`, api_key: 'k2' },
      }),
    ).rejects.toThrow(/upstream\.base_url carries a user:password/);
  });
});
