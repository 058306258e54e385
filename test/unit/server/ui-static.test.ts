import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from '../../../src/server/router.js';
import { uiRoutes } from '../../../src/server/routes/ui.js';
import { createHttpServer } from '../../../src/server/server.js';

let dir: string;
let server: http.Server;
let base: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metaclaw-ui-'));
  const root = path.join(dir, 'ui');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>MetaClaw</title>');
  fs.writeFileSync(path.join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  fs.writeFileSync(path.join(root, 'assets', 'index-abc123.css'), 'body{}');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside');
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(root, 'assets', 'link.txt'));
  const router = new Router().add(...uiRoutes({ root }));
  server = createHttpServer({ router, apiKey: 'k', log: pino({ level: 'silent' }) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Raw request: fetch would normalise `..` away before it reaches the server. */
function get(p: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/`, { path: p, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static UI route', () => {
  it('serves index.html for the root and every extensionless view path, without the proxy key', async () => {
    for (const p of ['/ui/', '/ui/sessions', '/ui/skills/some-skill', '/ui/evolutions/12']) {
      const r = await get(p);
      expect(r.status, p).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.headers['content-security-policy']).toContain("default-src 'self'");
      expect(r.body).toContain('<title>MetaClaw</title>');
    }
  });

  it('redirects /ui to /ui/', async () => {
    const r = await get('/ui');
    expect(r.status).toBe(308);
    expect(r.headers.location).toBe('/ui/');
  });

  it('serves hashed assets with their content type and immutable caching', async () => {
    const js = await get('/ui/assets/index-abc123.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.body).toBe('console.log(1)');
    const css = await get('/ui/assets/index-abc123.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get('/ui/assets/missing.js')).status).toBe(404);
  });

  it('refuses traversal, encoded separators, dot files and symlinks out of the root', async () => {
    for (const p of [
      '/ui/../secret.txt',
      '/ui/assets/../../secret.txt',
      '/ui/%2e%2e/secret.txt',
      '/ui/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/ui/..%5csecret.txt',
      '/ui/.hidden.txt',
      '/ui/assets/link.txt',
    ]) {
      const r = await get(p);
      expect([400, 404], p).toContain(r.status);
      expect(r.body, p).not.toContain('outside');
    }
  });

  it('says how to build the UI when dist/ui is missing', async () => {
    const router = new Router().add(...uiRoutes({ root: path.join(dir, 'nope') }));
    const s = createHttpServer({ router, log: pino({ level: 'silent' }) });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/ui/`);
    await new Promise((r) => s.close(r));
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build');
  });
});
