import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalendarFeeds, fileFeedCache } from '../../src/scheduler/calendar/feeds.js';
import { CalendarSignal } from '../../src/scheduler/calendar/signal.js';
import { tempHome } from '../helpers/tmp.js';

const ICS = fs.readFileSync(path.resolve('test/fixtures/scheduler/ics/berlin-weekly.ics'), 'utf8');
const LAST_MODIFIED = 'Sat, 01 Mar 2025 12:00:00 GMT';

/** A calendar host that honours If-None-Match and If-Modified-Since, and can be told to fail. */
interface Host {
  url: string;
  requests: { path: string; ifNoneMatch?: string; ifModifiedSince?: string; status: number }[];
  body: string;
  etag: string;
  failing: boolean;
  close(): Promise<void>;
}

async function startHost(): Promise<Host> {
  const host: Host = {
    url: '',
    requests: [],
    body: ICS,
    etag: '"v1"',
    failing: false,
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    let status = 200;
    if (host.failing) status = 503;
    else if (req.url === '/lm.ics' ? ims === LAST_MODIFIED : inm === host.etag) status = 304;
    host.requests.push({ path: req.url ?? '', ifNoneMatch: inm, ifModifiedSince: ims, status });
    if (status === 503) return res.writeHead(503).end('maintenance');
    if (status === 304) return res.writeHead(304).end();
    const headers: Record<string, string> = { 'content-type': 'text/calendar; charset=utf-8' };
    if (req.url === '/lm.ics') headers['last-modified'] = LAST_MODIFIED;
    else headers.etag = host.etag;
    res.writeHead(200, headers).end(host.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  host.close = () => new Promise((r) => server.close(() => r()));
  return host;
}

let host: Host;
beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  await host.close();
});

const MIN = 60_000;
const t0 = Date.parse('2025-04-04T07:00:00Z');

function feeds(cacheDir: string, source: string) {
  return new CalendarFeeds({
    sources: [source],
    refreshMs: 15 * MIN,
    timeoutMs: 2000,
    cache: fileFeedCache(cacheDir),
  });
}

describe('calendar feed over HTTP', () => {
  it('ETag: first 200, then 304 reuses the cached copy; refreshes only when due', async () => {
    const dir = path.join(tempHome(), 'cache');
    const source = `${host.url}/etag.ics?token=secret`;
    const f = feeds(dir, source);
    const signal = new CalendarSignal({
      feeds: f,
      keywords: [],
      includeAllDay: false,
      lookaheadMs: 48 * 3600_000,
    });
    host.requests.length = 0;

    const r1 = await signal.read(new Date(t0 + 90 * MIN)); // 08:30Z = 10:30 CEST, inside "Weekly sync"
    expect(r1).toMatchObject({ open: true, until: Date.parse('2025-04-04T09:00:00Z') });
    expect(f.statuses()[0]).toMatchObject({ ok: true, via: '200', source: `${host.url}/…` });

    await signal.read(new Date(t0 + 95 * MIN)); // not due: no request
    expect(host.requests).toHaveLength(1);

    const r3 = await signal.read(new Date(t0 + 120 * MIN)); // due: conditional request → 304
    expect(host.requests[1]).toMatchObject({ ifNoneMatch: '"v1"', status: 304 });
    expect(f.statuses()[0]!.via).toBe('304');
    expect(r3.open).toBe(false);
    expect(r3.upcoming).toEqual([]); // 11 April is an EXDATE; 18 April is beyond the 48 h lookahead

    // The secret address is never written to disk; the body is, privately.
    const files = fs.readdirSync(dir);
    expect(files).toHaveLength(1);
    const cached = fs.readFileSync(path.join(dir, files[0]!), 'utf8');
    expect(cached).not.toContain('secret');
    expect(fs.statSync(path.join(dir, files[0]!)).mode & 0o777).toBe(0o600);
  });

  it('a restart revalidates from the disk cache (304 on the first request)', async () => {
    const dir = path.join(tempHome(), 'cache');
    const source = `${host.url}/etag.ics`;
    await feeds(dir, source).refresh(t0);
    host.requests.length = 0;
    const again = feeds(dir, source);
    await again.refresh(t0 + MIN);
    expect(host.requests).toEqual([expect.objectContaining({ ifNoneMatch: '"v1"', status: 304 })]);
    expect(again.calendars()).toHaveLength(1);
  });

  it('If-Modified-Since when the server gives Last-Modified instead of an ETag', async () => {
    const dir = path.join(tempHome(), 'cache');
    const f = feeds(dir, `${host.url}/lm.ics`);
    host.requests.length = 0;
    await f.refresh(t0);
    await f.refresh(t0 + 20 * MIN);
    expect(host.requests.map((r) => r.status)).toEqual([200, 304]);
    expect(host.requests[1]!.ifModifiedSince).toBe(LAST_MODIFIED);
  });

  it('a changed feed (new ETag) is re-parsed; a failing host keeps the last good copy and says so', async () => {
    const dir = path.join(tempHome(), 'cache');
    const f = feeds(dir, `${host.url}/etag.ics`);
    const signal = new CalendarSignal({
      feeds: f,
      keywords: [],
      includeAllDay: false,
      lookaheadMs: 48 * 3600_000,
    });
    await signal.read(new Date(t0));
    host.etag = '"v2"';
    host.body = ICS.replaceAll('Weekly sync', 'Renamed sync');
    try {
      const r = await signal.read(new Date(t0 + 90 * MIN));
      expect(r.detail).toContain('Renamed sync');
      host.failing = true;
      const stale = await signal.read(new Date(t0 + 110 * MIN));
      expect(stale.open).toBe(true);
      expect(stale.error).toMatch(/HTTP 503/);
      expect(stale.detail).toMatch(/stale/);
    } finally {
      host.failing = false;
      host.etag = '"v1"';
      host.body = ICS;
    }
  });
});
