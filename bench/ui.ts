// Dashboard API latency on a big store (issue 18): every admin API call behind a dashboard view,
// against a store of 1,000,000 turns and 1,000 skills (shape in bench/lib/ui-store.ts, cached
// under bench/results/ui-store/), served by the real App on loopback, beside GET /healthz in the
// same run. Budget: p95 ≤ 100 ms per call. Calls answering 404 print "not built".
//   BENCH_UI_CALLS (default 60) measured calls per URL after 5 warm-up rounds, one call at a time,
//   round-robin over the URLs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { App } from '../src/app.js';
import { validateConfig } from '../src/config/load.js';
import { fmt, percentile, round } from './lib/stats.js';
import { renderTable } from './lib/table.js';
import { cachedStore, DAY, SHAPE, sessionId, skillName, turnId } from './lib/ui-store.js';

const CALLS = Number(process.env.BENCH_UI_CALLS ?? 60);
const WARMUP = 5;
const SETTLE_MS = 3000;
const BUDGET_P95_MS = 100;
const RESULTS = path.resolve(import.meta.dirname, 'results');
const STORE_DIR = path.join(RESULTS, 'ui-store');

const log = (s: string) => console.error(`[bench:ui] ${s}`);

interface Row {
  view: string;
  url: string;
  status: number;
  bytes: number;
  p50: number;
  p95: number;
}

/** One timed GET: status, body size and milliseconds until the whole body was read. */
async function timed(url: string): Promise<{ status: number; bytes: number; ms: number }> {
  const t = performance.now();
  const res = await fetch(url);
  const body = await res.arrayBuffer();
  return { status: res.status, bytes: body.byteLength, ms: performance.now() - t };
}

/**
 * Round-robin over the calls (one call of each per round), so a burst of load from elsewhere on
 * the machine lands on every call alike instead of on whichever was being measured.
 */
async function measureAll(base: string, calls: [string, string][]): Promise<Row[]> {
  const state = calls.map(([view, url]) => ({ view, url, status: 0, bytes: 0, times: [] as number[] }));
  for (let round = 0; round < WARMUP + CALLS; round++) {
    for (const c of state) {
      if (c.status === 404) continue; // not built: nothing to time
      const r = await timed(base + c.url);
      c.status = r.status;
      c.bytes = r.bytes;
      if (round >= WARMUP) c.times.push(r.ms);
    }
  }
  return state.map((c) => {
    const sorted = Float64Array.from(c.times).sort();
    return {
      view: c.view,
      url: c.url,
      status: c.status,
      bytes: c.bytes,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
    };
  });
}

async function main(): Promise<void> {
  fs.mkdirSync(RESULTS, { recursive: true });
  const store = cachedStore(STORE_DIR, log);
  log(
    store.cached
      ? `using the cached store (built in ${store.seedSeconds.toFixed(0)} s)`
      : `built in ${store.seedSeconds.toFixed(0)} s`,
  );
  const config = validateConfig({
    upstream: { provider: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'x' },
    judge: { enabled: false },
    evolution: { enabled: false },
    // RL on (manual steps: nothing connects to the Tinker URL) and the scheduler on, so the
    // Training and Schedule views read their seeded history rather than answering "disabled".
    rl: {
      enabled: true,
      schedule: 'manual',
      backend_url: 'http://127.0.0.1:9',
      api_key: 'x',
      base_model: 'bench-base',
    },
    scheduler: { enabled: true, idle_enabled: false, tick_seconds: 3600 },
  });
  const app = await App.create({
    loaded: { config, file: path.join(STORE_DIR, 'config.yaml'), home: STORE_DIR, fileExists: false },
    port: 0,
    env: {},
    log: pino({ level: 'silent' }),
  });
  const started = performance.now();
  await app.start();
  log(`service up in ${((performance.now() - started) / 1000).toFixed(1)} s at ${app.url}`);

  const mid = Math.floor(store.sessions / 2);
  const day = store.builtAt - 10 * DAY;
  const calls: [string, string][] = [
    ['baseline', '/healthz'],
    ['overview', '/v1/admin/overview?range=24h'],
    ['overview', '/v1/admin/overview?range=7d'],
    ['overview', '/v1/admin/overview?range=30d'],
    ['sessions', '/v1/admin/sessions'],
    ['sessions', '/v1/admin/sessions?agent=claude-code'],
    ['sessions', `/v1/admin/sessions?since=${day}&until=${day + DAY}`],
    ['sessions', '/v1/admin/sessions?failed=1'],
    ['sessions', '/v1/admin/sessions?judged=1'],
    ['sessions', '/v1/admin/sessions?feedback=1'],
    ['sessions', `/v1/admin/sessions?offset=${Math.floor(store.sessions / 2)}`],
    ['session detail', `/v1/admin/sessions/${sessionId(mid)}`],
    ['turn detail', `/v1/admin/turns/${turnId(mid, 3)}`],
    ['skills', '/v1/admin/skills'],
    ['skill detail', `/v1/admin/skills/${skillName(10)}`],
    ['skill diff', `/v1/admin/skills/${skillName(10)}/diff`],
    ['evolutions', '/v1/admin/evolutions'],
    ['evolutions', '/v1/admin/evolutions?outcome=awaiting_approval'],
    ['evolution detail', `/v1/admin/evolutions/${Math.floor(SHAPE.evolutions / 2)}`],
    ['generations', '/v1/admin/generations'],
    ['training', '/v1/admin/training'],
    ['schedule', '/v1/admin/schedule'],
    ['benchmarks', '/v1/admin/benchmarks'],
  ];
  let rows: Row[] = [];
  try {
    // Start-up work (folder sync, tokenizer warm-up) settles before anything is timed.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    rows = await measureAll(app.url, calls);
  } finally {
    await app.stop(2000);
  }

  const verdict = (r: Row) =>
    r.status === 404
      ? 'not built'
      : r.status !== 200
        ? `HTTP ${r.status}`
        : r.p95 <= BUDGET_P95_MS
          ? 'ok'
          : 'OVER';
  console.log(
    `\nbench:ui — ${SHAPE.turns.toLocaleString('en')} turns in ${store.sessions.toLocaleString('en')} sessions ` +
      `(${SHAPE.turnsPerSession}/session, ${100 / SHAPE.sideEvery}% side calls, ${SHAPE.judgedShare * 100}% of main turns judged, ` +
      `${SHAPE.feedbackShare * 100}% with feedback, ${SHAPE.errorShare * 100}% errors, ${SHAPE.injectedPerTurn} skills injected per main turn), ` +
      `${SHAPE.skills} skills, ${SHAPE.generations} generations, ${SHAPE.evolutions} evolutions over ${SHAPE.days} days; ` +
      `store ${(store.bytes / 1e6).toFixed(0)} MB, seeded in ${store.seedSeconds.toFixed(0)} s${store.cached ? ' (cached)' : ''}.\n` +
      `${CALLS} calls per URL after ${WARMUP} warm-up rounds, one at a time, round-robin over the URLs, keep-alive, loopback; ` +
      `node ${process.version}, ${os.cpus().length} cores (shared); budget p95 ≤ ${BUDGET_P95_MS} ms.\n`,
  );
  console.log(
    renderTable(
      ['view', 'call', 'median ms', 'p95 ms', 'bytes', 'verdict'],
      rows.map((r) => [
        r.view,
        r.url.length > 60 ? `${r.url.slice(0, 57)}…` : r.url,
        r.status === 404 ? '-' : fmt(r.p50),
        r.status === 404 ? '-' : fmt(r.p95),
        String(r.bytes),
        verdict(r),
      ]),
    ),
  );
  fs.writeFileSync(
    path.join(RESULTS, 'ui.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        shape: SHAPE,
        store: {
          bytes: store.bytes,
          sessions: store.sessions,
          seed_seconds: round(store.seedSeconds, 1),
          cached: store.cached,
        },
        calls: CALLS,
        rows: rows.map((r) => ({ ...r, p50: round(r.p50), p95: round(r.p95), verdict: verdict(r) })),
      },
      null,
      2,
    ),
  );
  const over = rows.filter((r) => verdict(r) === 'OVER');
  if (over.length) console.log(`\nover budget: ${over.map((r) => r.url).join(', ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
