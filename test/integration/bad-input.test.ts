import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

let fake: FakeLlm;
let proxy: TestProxy;

beforeAll(async () => {
  fake = await startFakeLlm();
  proxy = await startProxy({ upstream: openaiUpstream(fake.url), proxy: { body_limit_bytes: 64 * 1024 } });
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${proxy.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json };
}

const MALFORMED: string[] = [
  '',
  '{',
  'null',
  '[]',
  '42',
  '"string"',
  '{"model": 1, "messages": []}',
  '{"model": "m"}',
  '{"model": "m", "messages": "hello"}',
  '{"model": "m", "messages": [null]}',
  '{"model": "m", "messages": [{"role": "robot", "content": "x"}]}',
  '{"model": "m", "messages": [{"role": "user", "content": 5}]}',
  '{"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}',
  '{"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": [{"text": "no type"}]}]}',
  `{"model": "m", "messages": ${'['.repeat(5000)}${']'.repeat(5000)}}`,
  '\u0000\u0001\u0002',
  '{"model": ["m"], "max_tokens": 10, "messages": [{"role": "user", "content": "x"}]}',
];

/** Bodies that only one protocol refuses (Anthropic has no tool role and needs max_tokens > 0). */
const ANTHROPIC_ONLY: string[] = [
  '{"model": "m", "max_tokens": -1, "messages": [{"role": "user", "content": "x"}]}',
  '{"model": "m", "max_tokens": 10, "messages": [{"role": "tool", "content": "x"}]}',
  '{"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}], "system": 5}',
];
const OPENAI_ONLY: string[] = [
  '{"model": "m", "messages": [{"role": "tool"}], "n": 0}',
  '{"model": "m", "messages": [], "stream": true}',
];

function checkShape(path: string, r: { status: number; json: unknown }) {
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.status).toBeLessThan(500);
  if (path === '/v1/messages') {
    expect(r.json).toMatchObject({
      type: 'error',
      error: { type: expect.any(String), message: expect.any(String) },
    });
  } else {
    expect(r.json).toMatchObject({ error: { message: expect.any(String), type: expect.any(String) } });
  }
}

describe('bad input', () => {
  it('answers every malformed body in the corpus with a 4xx in the protocol shape', async () => {
    for (const path of ['/v1/chat/completions', '/v1/messages']) {
      for (const body of MALFORMED) checkShape(path, await post(path, body));
    }
    for (const body of ANTHROPIC_ONLY) checkShape('/v1/messages', await post('/v1/messages', body));
    for (const body of OPENAI_ONLY)
      checkShape('/v1/chat/completions', await post('/v1/chat/completions', body));
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
  });

  it('survives random JSON values (property-based fuzz) and never reaches the upstream with them', async () => {
    const before = fake.requests.length;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/chat/completions', '/v1/messages'),
        fc.oneof(
          fc.jsonValue(),
          fc.record({
            model: fc.jsonValue(),
            messages: fc.array(fc.jsonValue(), { maxLength: 4 }),
            max_tokens: fc.jsonValue(),
          }),
          fc.record({
            model: fc.string(),
            messages: fc.array(fc.record({ role: fc.string(), content: fc.jsonValue() }), { maxLength: 3 }),
          }),
        ),
        async (path, value) => {
          const r = await post(path, JSON.stringify(value));
          // Valid-by-chance bodies may succeed; everything else must be a clean 4xx.
          if (r.status !== 200) checkShape(path, r);
        },
      ),
      { numRuns: 150 },
    );
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
    // Whatever went upstream was a structurally valid request.
    for (const req of fake.requests.slice(before)) expect(Array.isArray(req.body.messages)).toBe(true);
  });

  it('answers 10,000-level nesting with a 400 naming the field, in each protocol shape (issue 17 point 8)', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const cases: [string, string, string][] = [
      [
        '/v1/chat/completions',
        `{"model":"m","messages":[{"role":${deep},"content":"x"}]}`,
        'messages[0].role',
      ],
      [
        '/v1/messages',
        `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"stop_sequences":${deep}}`,
        'stop_sequences',
      ],
      ['/v1/responses', `{"model":"m","input":[{"role":${deep},"content":"x"}]}`, 'input[0].role'],
    ];
    for (const [path, body, field] of cases) {
      const r = await post(path, body);
      expect(r.status).toBe(400);
      checkShape(path, r);
      const message = (r.json as { error: { message: string } }).error.message;
      expect(message.startsWith(`${field}`)).toBe(true);
      expect(message.length).toBeLessThan(300);
    }
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
  });

  it('does not echo a large offending value back (issue 17 point 8)', async () => {
    const role = 'r'.repeat(50_000);
    for (const path of ['/v1/chat/completions', '/v1/messages']) {
      const r = await post(
        path,
        JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role, content: 'x' }] }),
      );
      checkShape(path, r);
      expect(JSON.stringify(r.json).length).toBeLessThan(500);
    }
  });

  it('answers parser-level errors with a JSON body in the protocol shape (issue 17 points 5, 8)', async () => {
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        const socket = net.connect(Number(new URL(proxy.url).port), '127.0.0.1', () => socket.write(text));
        let got = '';
        socket.on('data', (d) => {
          got += d.toString('latin1');
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve(got));
      });
    const body = (got: string) => JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4)) as unknown;
    const badLength = await raw('POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-length: 1x\r\n\r\n');
    expect(badLength).toMatch(/^HTTP\/1\.1 400/);
    expect(body(badLength)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const huge = await raw(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(40_000)}\r\n\r\n`,
    );
    expect(huge).toMatch(/^HTTP\/1\.1 431/);
    expect(body(huge)).toMatchObject({
      error: { message: expect.any(String), type: 'invalid_request_error' },
    });
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
  });

  it('refuses bodies over the limit with 413', async () => {
    const big = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] });
    const r = await post('/v1/messages', big);
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
  });

  it('404s unknown routes and 405s wrong methods in OpenAI shape', async () => {
    expect((await fetch(`${proxy.url}/v1/nope`)).status).toBe(404);
    const r = await fetch(`${proxy.url}/v1/chat/completions`);
    expect(r.status).toBe(405);
    expect(await r.json()).toMatchObject({ error: { message: expect.stringMatching(/GET/) } });
  });
});
