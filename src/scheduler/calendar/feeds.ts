import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParsedCalendar, parseIcs } from './ics.js';

/** The last good copy of a feed plus its HTTP validators, kept across restarts. */
export interface CachedFeed {
  etag?: string;
  lastModified?: string;
  body: string;
  fetchedAt: number;
}

export interface FeedCache {
  load(key: string): Promise<CachedFeed | null>;
  save(key: string, entry: CachedFeed): Promise<void>;
}

/** One file per feed, named by a hash: the secret feed address is never written to disk. */
export function fileFeedCache(dir: string): FeedCache {
  const file = (key: string) =>
    path.join(dir, `${crypto.createHash('sha256').update(key).digest('hex').slice(0, 24)}.json`);
  return {
    async load(key) {
      try {
        return JSON.parse(await fs.readFile(file(key), 'utf8')) as CachedFeed;
      } catch {
        return null;
      }
    },
    async save(key, entry) {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      const target = file(key);
      const tmp = `${target}.${process.pid}.tmp`;
      await fs.writeFile(tmp, JSON.stringify(entry), { mode: 0o600 });
      await fs.rename(tmp, target);
    },
  };
}

export function memoryFeedCache(): FeedCache {
  const m = new Map<string, CachedFeed>();
  return { load: async (k) => m.get(k) ?? null, save: async (k, e) => void m.set(k, e) };
}

export interface FeedStatus {
  source: string;
  ok: boolean;
  /** 200, 304, `file`, `cache` (loaded from disk, not yet refreshed). */
  via: string | null;
  lastRefreshAt: number | null;
  events: number;
  error: string | null;
}

export interface CalendarFeedsOptions {
  /** URLs (http, https, webcal, file) or absolute file paths. */
  sources: string[];
  refreshMs: number;
  timeoutMs: number;
  cache: FeedCache;
  timeZone?: string;
  fetch?: typeof fetch;
}

interface FeedState {
  status: FeedStatus;
  parsed: ParsedCalendar | null;
  mtimeMs?: number;
  refreshing: Promise<void> | null;
}

/**
 * Keeps every configured feed parsed and fresh: URLs are re-fetched every `refreshMs` with
 * If-None-Match / If-Modified-Since, files when their mtime changes. A failed refresh keeps the
 * last good copy and reports the error.
 */
export class CalendarFeeds {
  private readonly feeds: Map<string, FeedState>;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: CalendarFeedsOptions) {
    this.fetchImpl = opts.fetch ?? fetch;
    this.feeds = new Map(
      opts.sources.map((s) => [
        s,
        {
          status: {
            source: describeSource(s),
            ok: false,
            via: null,
            lastRefreshAt: null,
            events: 0,
            error: null,
          },
          parsed: null,
          refreshing: null,
        },
      ]),
    );
  }

  /** Refresh the feeds that are due (all of them when `force`), concurrently. */
  async refresh(nowMs: number, force = false): Promise<void> {
    await Promise.all(
      [...this.feeds.entries()].map(([source, st]) => {
        const due =
          force || st.status.lastRefreshAt === null || nowMs - st.status.lastRefreshAt >= this.opts.refreshMs;
        if (!due) return st.refreshing ?? Promise.resolve();
        st.refreshing ??= this.refreshOne(source, st, nowMs).finally(() => {
          st.refreshing = null;
        });
        return st.refreshing;
      }),
    );
  }

  calendars(): ParsedCalendar[] {
    return [...this.feeds.values()].flatMap((f) => (f.parsed ? [f.parsed] : []));
  }

  statuses(): FeedStatus[] {
    return [...this.feeds.values()].map((f) => ({ ...f.status }));
  }

  private async refreshOne(source: string, st: FeedState, nowMs: number): Promise<void> {
    st.status.lastRefreshAt = nowMs;
    try {
      const local = localPath(source);
      if (local) await this.readFile(local, st);
      else await this.fetchUrl(source, st, nowMs);
      st.status.ok = true;
      st.status.error = null;
    } catch (err) {
      st.status.ok = false;
      st.status.error = (err as Error).message;
    }
  }

  private async readFile(file: string, st: FeedState): Promise<void> {
    const stat = await fs.stat(file);
    if (st.parsed && st.mtimeMs === stat.mtimeMs) return;
    this.setParsed(st, await fs.readFile(file, 'utf8'), 'file');
    st.mtimeMs = stat.mtimeMs;
  }

  private async fetchUrl(source: string, st: FeedState, nowMs: number): Promise<void> {
    let cached = await this.opts.cache.load(source);
    if (cached && !st.parsed) this.setParsed(st, cached.body, 'cache');
    const headers: Record<string, string> = { accept: 'text/calendar, */*;q=0.5' };
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;
    const res = await this.fetchImpl(source.replace(/^webcal:/i, 'https:'), {
      headers,
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
    if (res.status === 304 && cached) {
      await res.body?.cancel();
      st.status.via = '304';
      await this.opts.cache.save(source, { ...cached, fetchedAt: nowMs });
      return;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status} from ${describeSource(source)}`);
    }
    const body = await res.text();
    this.setParsed(st, body, String(res.status));
    cached = {
      etag: res.headers.get('etag') ?? undefined,
      lastModified: res.headers.get('last-modified') ?? undefined,
      body,
      fetchedAt: nowMs,
    };
    await this.opts.cache.save(source, cached);
  }

  private setParsed(st: FeedState, body: string, via: string): void {
    st.parsed = parseIcs(body, this.opts.timeZone);
    st.status.events = st.parsed.eventCount;
    st.status.via = via;
  }
}

function localPath(source: string): string | null {
  if (/^file:/i.test(source)) return fileURLToPath(source);
  if (/^(https?|webcal):/i.test(source)) return null;
  return source;
}

/** Feed addresses are often secrets (Google's "secret address"): show only scheme and host. */
export function describeSource(source: string): string {
  const m = /^(https?|webcal):\/\/([^/?#]+)/i.exec(source);
  if (m) return `${m[1]!.toLowerCase()}://${m[2]!.split('@').pop()}/…`;
  return source;
}
