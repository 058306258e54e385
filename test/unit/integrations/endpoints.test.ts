import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEndpoint, wiredEndpoint } from '../../../src/integrations/endpoints.js';
import { tempHome } from '../../helpers/tmp.js';

let server: http.Server;
let url: string;
beforeAll(async () => {
  // Stands in for the running service: health is open, admin routes want the key `right`.
  server = http.createServer((req, res) => {
    if (req.url === '/healthz') return res.end('{}');
    res.statusCode = req.headers.authorization === 'Bearer right' ? 200 : 401;
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('wired agent endpoints (doctor)', () => {
  it('reads Claude Code settings and finds a wrong key, a wrong port, and a good wiring', async () => {
    const home = tempHome();
    const file = path.join(home, '.claude', 'settings.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const write = (u: string, key: string) =>
      fs.writeFileSync(file, JSON.stringify({ env: { ANTHROPIC_BASE_URL: u, ANTHROPIC_AUTH_TOKEN: key } }));
    write(url, 'stale');
    const ep = wiredEndpoint('claude-code', home)!;
    expect(ep).toMatchObject({ url, key: 'stale' });
    expect(await checkEndpoint(ep, { url })).toMatchObject({ ok: false, reason: 'key' });
    write('http://127.0.0.1:1', 'right');
    expect(await checkEndpoint(wiredEndpoint('claude-code', home)!, { url })).toMatchObject({
      ok: false,
      reason: 'unreachable',
    });
    write(url, 'right');
    expect(await checkEndpoint(wiredEndpoint('claude-code', home)!, { url })).toMatchObject({ ok: true });
  });
});
