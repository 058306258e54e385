// Skill library benchmark: synthetic libraries of 100, 1k, 10k and 100k skills. For each size:
// index build time, heap used by the index, retrieval and full injection p50/p99, and one-skill
// update time (the writer's change set, and a reader noticing it). Then the proxy itself, in one
// run: the same requests through a proxy with skills disabled and one with 1k skills.
//
//   npm run bench:skills               full run
//   npm run bench:skills -- --quick    fewer queries and no 100k library, for a smoke test
//
// Prints a table and a JSON summary; exit code 1 when a budget from the issue fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import MiniSearch from 'minisearch';
import pino from 'pino';
import { App } from '../src/app.js';
import { validateConfig } from '../src/config/load.js';
import type { JsonObject } from '../src/protocol/types.js';
import { buildView } from '../src/protocol/view.js';
import { chainedPrefixHashes } from '../src/sessions/prefix-hash.js';
import { BlockComposer, o200kCounter } from '../src/skills/budget.js';
import { SkillInjector } from '../src/skills/inject.js';
import { LexicalIndex, terms } from '../src/skills/lexical.js';
import { SkillLibrary } from '../src/skills/library.js';
import { openStore } from '../src/store/db.js';
import { type SkillOp, SkillRepository } from '../src/store/skill-repository.js';
import { startFakeLlm } from '../test/fixtures/fake-llm/index.js';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const SIZES = args.quick ? [100, 1000, 10_000] : [100, 1000, 10_000, 100_000];
const QUERIES = args.quick ? 300 : 2000;
const UPDATES = 50;
const PROXY_REQUESTS = args.quick ? 200 : 1000;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

// ---- synthetic data (seeded, so every run sees the same libraries and queries) ------------------

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(42);
const SYL = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ru',
  'sa',
  'ti',
  'vo',
  'de',
  'fa',
  'gu',
  'he',
  'jo',
  'pi',
  'qu',
  'ze',
  'ba',
  'co',
  'di',
  'ex',
];
const VOCAB = Array.from({ length: 20_000 }, (_, i) => {
  let w = '';
  let x = i + 7;
  do {
    w += SYL[x % SYL.length];
    x = Math.floor(x / SYL.length);
  } while (x > 0);
  return `${w}${SYL[i % 7]}`;
});
// Zipf-like: common words are common, as in real text.
const word = () => VOCAB[Math.floor(VOCAB.length * rand() ** 2.5)]!;
const words = (n: number) => Array.from({ length: n }, word).join(' ');

function skillOps(n: number, from = 0): SkillOp[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      op: 'put',
      doc: {
        frontmatter: { name: `skill-${i}`, description: `${words(12)}. Use when ${words(6)}.` },
        body: `${words(40)}\n\n- ${words(15)}\n- ${words(15)}\n`,
      },
    };
  });
}

const queries = Array.from({ length: QUERIES }, () => words(8 + Math.floor(rand() * 16)));

// ---- measurement helpers ------------------------------------------------------------------------

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}
const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '-');
function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}
function heapMiB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'metaclaw-bench-skills-'));

// ---- library sizes ------------------------------------------------------------------------------

interface SizeResult {
  skills: number;
  storeLoadMs: number;
  indexBuildMs: number;
  indexHeapMiB: number;
  retrieveP50: number;
  retrieveP99: number;
  injectP50: number;
  injectP99: number;
  updateP50: number;
  updateP99: number;
  noticeP50: number;
  noticeP99: number;
  miniBuildMs: number;
  miniP50: number;
  miniP99: number;
}

/** The same documents and queries in MiniSearch (BM25+, same term processing), for comparison. */
function miniSearchBaseline(members: ReturnType<SkillRepository['members']>) {
  const ms = new MiniSearch<{ id: number; head: string; body: string }>({
    fields: ['head', 'body'],
    tokenize: (t) => [t],
    processTerm: (t) => terms(t),
  });
  const buildMs = time(() =>
    ms.addAll(
      members.map((r) => ({ id: r.id, head: `${r.name.replace(/-/g, ' ')} ${r.description}`, body: r.body })),
    ),
  );
  const lat: number[] = [];
  for (const q of queries) {
    lat.push(
      time(() => {
        const hits = ms.search([...new Set(terms(q))].slice(0, 32).join(' '), {
          tokenize: (t) => t.split(' '),
          processTerm: (t) => t,
          boost: { head: 2.5 },
        });
        hits.slice(0, 18);
      }),
    );
  }
  return { buildMs, p50: pct(lat, 50), p99: pct(lat, 99) };
}

const counter = o200kCounter();

function benchSize(n: number): SizeResult {
  const file = path.join(tmp(), 'store.db');
  const writerDb = openStore(file);
  const writer = new SkillLibrary(new SkillRepository(writerDb));
  writer.load();
  writer.apply(skillOps(n), 'import');

  // A reader (the service) loading from the store: read rows, then index them.
  const readerDb = openStore(file);
  const repo = new SkillRepository(readerDb);
  let members: ReturnType<SkillRepository['members']> = [];
  const storeLoadMs = time(() => {
    members = repo.members();
  });
  const before = heapMiB();
  const probe = new LexicalIndex();
  const indexBuildMs = time(() => probe.addAll(members));
  const indexHeapMiB = heapMiB() - before;
  const reader = new SkillLibrary(repo);
  reader.load();

  const composer = new BlockComposer(counter);
  for (const r of reader.current().byId.values()) composer.prepare(r.id, r.name, r.description, r.body);
  const inj = new SkillInjector(reader, composer, null, {
    mode: 'lexical',
    topK: 6,
    maxFull: 3,
    budgetTokens: 2000,
    minScore: 0,
    minRelative: 0.3,
    minSimilarity: 0,
    contextMessages: 2,
    placement: 'user',
  });
  // What the request path does per call: the view, its prefix hashes, then the injector (a new
  // session each call, so no task pin answers for it).
  let sessions = 0;
  const injectOnce = (body: JsonObject) => {
    const view = buildView('openai-chat', body);
    return inj.inject(body, {
      view,
      kind: 'main',
      sessionId: `s${sessions++}`,
      prefixHashes: chainedPrefixHashes(view.stable),
    });
  };
  const retrieve: number[] = [];
  const inject: number[] = [];
  for (const q of queries.slice(0, 50)) injectOnce({ messages: [{ role: 'user', content: q }] }); // warm-up
  for (const q of queries) {
    const snap = reader.current();
    retrieve.push(time(() => reader.index.search({ primary: q }, (id) => snap.has(id), 18)));
    const body = {
      messages: [
        { role: 'system', content: 'You are an agent.' },
        { role: 'user', content: q },
      ],
    };
    inject.push(time(() => injectOnce(body)));
  }

  // One-skill updates: the writer's whole change set (SQLite + its own snapshot), then the
  // reader noticing it (generation poll + delta query + index add/discard + snapshot swap).
  const update: number[] = [];
  const notice: number[] = [];
  for (let u = 0; u < UPDATES; u++) {
    const [op] = skillOps(1, u % n);
    update.push(time(() => writer.apply([op!], 'manual')));
    notice.push(time(() => reader.refresh()));
  }
  writerDb.close();
  readerDb.close();
  const mini =
    n <= 10_000 ? miniSearchBaseline(members) : { buildMs: Number.NaN, p50: Number.NaN, p99: Number.NaN };
  return {
    miniBuildMs: mini.buildMs,
    miniP50: mini.p50,
    miniP99: mini.p99,
    skills: n,
    storeLoadMs,
    indexBuildMs,
    indexHeapMiB,
    retrieveP50: pct(retrieve, 50),
    retrieveP99: pct(retrieve, 99),
    injectP50: pct(inject, 50),
    injectP99: pct(inject, 99),
    updateP50: pct(update, 50),
    updateP99: pct(update, 99),
    noticeP50: pct(notice, 50),
    noticeP99: pct(notice, 99),
  };
}

// ---- proxy: skills disabled vs 1k skills, same run ----------------------------------------------

async function startApp(fakeUrl: string, skills: Record<string, unknown>, seed: number): Promise<App> {
  const home = tmp();
  const config = validateConfig({
    upstream: { provider: 'openai', base_url: `${fakeUrl}/v1`, api_key: 'k' },
    skills: { ...skills, watch: false },
  });
  const app = await App.create({
    loaded: { config, file: path.join(home, 'config.yaml'), home, fileExists: false },
    port: 0,
    env: {},
    log: pino({ level: 'silent' }),
  });
  if (seed > 0) app.skills.library.apply(skillOps(seed), 'import');
  await app.start();
  return app;
}

async function benchProxy() {
  const fake = await startFakeLlm({ recordRequests: false });
  const off = await startApp(fake.url, { enabled: false }, 0);
  const on = await startApp(fake.url, { enabled: true }, 1000);
  // Let the background token-count warm-up finish (it runs after start, off the request path).
  await new Promise((r) => setTimeout(r, 3000));
  const call = async (url: string, q: string) => {
    const body = JSON.stringify({
      model: 'm',
      messages: [
        { role: 'system', content: 'You are an agent.' },
        { role: 'user', content: q },
      ],
    });
    const t = performance.now();
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    return performance.now() - t;
  };
  const lat = { off: [] as number[], on: [] as number[] };
  for (let i = 0; i < 100; i++) await call(i % 2 ? on.url : off.url, queries[i % queries.length]!); // warm-up
  // Interleaved, so drift (GC, CPU frequency) hits both sides alike.
  for (let i = 0; i < PROXY_REQUESTS; i++) {
    const q = queries[i % queries.length]!;
    lat.off.push(await call(off.url, q));
    lat.on.push(await call(on.url, q));
  }
  const injected = (
    on.db
      .prepare(
        "SELECT COUNT(*) AS n FROM turns WHERE injected_revision_ids IS NOT NULL AND injected_revision_ids != '[]'",
      )
      .get() as { n: number }
  ).n;
  await off.stop(1000);
  await on.stop(1000);
  await fake.close();
  return { off: lat.off, on: lat.on, injectedTurns: injected };
}

// ---- run ----------------------------------------------------------------------------------------

console.log(
  `skill library benchmark: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`,
);
console.log(
  `synthetic skills: 12+6-word description, ~70-word body; vocabulary 20k pseudo-words (Zipf-like); ${QUERIES} queries of 8-24 words`,
);
console.log(
  'retrieval = our typed-array BM25 search filtered by the snapshot (pool 18); inject = query extraction + ranking (top_k 6) + budgeted block (2000 tokens, o200k, counts cached) + body copy\n',
);

const results: SizeResult[] = [];
for (const n of SIZES) {
  results.push(benchSize(n));
  const r = results.at(-1)!;
  console.log(`  ${n} skills done (retrieval p99 ${f(r.retrieveP99)} ms)`);
}
const header = [
  'skills',
  'store load ms',
  'index build ms',
  'index heap MiB',
  'retrieve p50',
  'retrieve p99',
  'inject p50',
  'inject p99',
  'update p50',
  'update p99',
  'notice p50',
  'notice p99',
  'MiniSearch build',
  'MiniSearch p50',
  'MiniSearch p99',
];
const rows = results.map((r) => [
  String(r.skills),
  f(r.storeLoadMs, 1),
  f(r.indexBuildMs, 1),
  f(r.indexHeapMiB, 1),
  f(r.retrieveP50),
  f(r.retrieveP99),
  f(r.injectP50),
  f(r.injectP99),
  f(r.updateP50),
  f(r.updateP99),
  f(r.noticeP50),
  f(r.noticeP99),
  f(r.miniBuildMs, 1),
  f(r.miniP50),
  f(r.miniP99),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
console.log(`\n${header.map((h, i) => h.padStart(widths[i]!)).join('  ')}`);
for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i]!)).join('  '));
console.log(
  '(times in ms; update = writer applies a one-skill change set incl. SQLite commit; notice = reader picks it up incrementally;\n MiniSearch = the same docs and queries in MiniSearch 7 for comparison, not run at 100k)',
);

console.log(
  `\nproxy, ${PROXY_REQUESTS} sequential non-streaming OpenAI chat requests each, interleaved, in-process fake upstream:`,
);
const proxy = await benchProxy();
const added50 = pct(proxy.on, 50) - pct(proxy.off, 50);
const added99 = pct(proxy.on, 99) - pct(proxy.off, 99);
console.log(`  skills disabled: p50 ${f(pct(proxy.off, 50))} ms  p99 ${f(pct(proxy.off, 99))} ms`);
console.log(`  1k skills:       p50 ${f(pct(proxy.on, 50))} ms  p99 ${f(pct(proxy.on, 99))} ms`);
console.log(
  `  added by injection: p50 ${f(added50)} ms  p99 ${f(added99)} ms  (skills injected into ${proxy.injectedTurns} of ${PROXY_REQUESTS + 50} requests)`,
);

const at = (n: number) => results.find((r) => r.skills === n);
const budgets = [
  {
    what: '10k skills: retrieval p99 <= 2 ms',
    ok: (at(10_000)?.retrieveP99 ?? 0) <= 2,
    value: at(10_000)?.retrieveP99,
  },
  {
    what: '10k skills: one-skill update <= 5 ms (p50, writer incl. SQLite)',
    ok: (at(10_000)?.updateP50 ?? 0) <= 5,
    value: at(10_000)?.updateP50,
  },
  {
    what: '10k skills: reader notices an update <= 5 ms (p50)',
    ok: (at(10_000)?.noticeP50 ?? 0) <= 5,
    value: at(10_000)?.noticeP50,
  },
  { what: '1k skills: injection adds <= 1 ms to a proxied request (p50)', ok: added50 <= 1, value: added50 },
];
console.log('\nbudgets:');
for (const b of budgets)
  console.log(`  ${b.ok ? 'PASS' : 'FAIL'}  ${b.what}: ${f(b.value ?? Number.NaN)} ms`);
console.log(
  `\n${JSON.stringify({ node: process.version, cpus: os.cpus().length, queries: QUERIES, sizes: results, proxy: { requests: PROXY_REQUESTS, p50Off: pct(proxy.off, 50), p50On: pct(proxy.on, 50), p99Off: pct(proxy.off, 99), p99On: pct(proxy.on, 99), added50, added99 }, budgets })}`,
);
if (budgets.some((b) => !b.ok)) process.exitCode = 1;
