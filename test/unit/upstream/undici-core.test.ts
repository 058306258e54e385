import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as undici from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, errors } from '../../../src/upstream/undici-core.js';

describe('undici core modules (loaded without undici’s entry point)', () => {
  let server: http.Server;
  let origin = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('give an Agent with request() on their own, without loading undici’s entry point', () => {
    const dist = new URL('../../../dist/upstream/undici-core.js', import.meta.url).href;
    const script = `
      import { createRequire } from 'node:module';
      const { Agent } = await import(${JSON.stringify(dist)});
      const cache = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({
        request: typeof new Agent().request,
        entryLoaded: cache.some((k) => /undici[\\/]index[.]js$/.test(k)),
        fetchLoaded: cache.some((k) => /undici[\\/]lib[\\/]web[\\/]fetch/.test(k)),
      }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ request: 'function', entryLoaded: false, fetchLoaded: false });
  });

  it('are the classes undici exports, and the Agent has the request() API', async () => {
    expect(Agent).toBe(undici.Agent);
    expect(errors.HeadersTimeoutError).toBe(undici.errors.HeadersTimeoutError);
    const agent = new Agent({ keepAliveTimeout: 1000 });
    try {
      const res = await agent.request({ origin, path: '/v1/x', method: 'POST', body: '{}' });
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toEqual({ method: 'POST', url: '/v1/x' });
    } finally {
      await agent.close();
    }
  });
});
