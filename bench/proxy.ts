// Proxy overhead benchmark: the same fake upstream called directly and through the real MetaClaw
// proxy (the built CLI, recording every turn to SQLite), in one run, non-streaming and streaming,
// at concurrency 1 and 64. Prints added latency (proxy − direct) p50/p99, first-chunk latency for
// streams, throughput ratio, the proxy's RSS, and checks the budgets from the issue.
//
//   npm run bench:proxy                  full run (~3 min)
//   npm run bench:proxy -- --quick       ~10x fewer requests, for a smoke test
//   npm run bench:proxy -- --cpu-prof    also profile the proxy (node --cpu-prof) and print its hotspots;
//                                        timings are then inflated by the profiler
//   npm run bench:proxy -- --skip-build  use dist/ as it is
//   npm run bench:proxy -- --proxy-flags='--trace-gc'   extra node flags for the proxy process
//   npm run bench:proxy -- --bare       also measure a bare Node.js pass-through (bench/bare-proxy-child.ts:
//                                        node:http + undici, nothing else) as a third target, to show
//                                        which part of the overhead is Node's HTTP stack itself
//   npm run bench:proxy -- --only='non-stream c64,stream c64'   measure only these scenarios (ids,
//                                        comma-separated; warm-ups and the idle RSS check still cover all)
//   npm run bench:proxy -- --empty-library   the measured proxy without the starter skills
//   npm run bench:proxy -- --compare-root=/tmp/head   also measure the idle RSS of another checkout's
//                                        build (e.g. `git archive HEAD` built there), same run; repeatable
//   npm run bench:proxy -- --proxy-root=/tmp/head   measure that build's proxy instead of this one's
//                                        (implies --skip-build)
//   A build of HEAD for these: git archive HEAD | tar -x -C /tmp/head && ln -s "$PWD/node_modules"
//   /tmp/head/ && (cd /tmp/head && npx tsc -p tsconfig.build.json)
//
// The measured proxy runs as users run it: its library holds the 13 starter skills, installed by
// `metaclaw skills init` (what `setup` does for a new library). Idle RSS is also measured, in the
// same run, for a proxy with an empty library (and for --compare-root's build), each after the
// same sequential warm-up.
//
// Three processes share the machine's cores: this load generator, the fake upstream
// (bench/fake-upstream-child.ts) and the proxy (`node bin/metaclaw.js start --foreground`).
// Writes bench/results/proxy.json (and the tail of the proxy's own output to proxy-output.log). Exit code 1 when a budget fails or the run breaks.
import { execFileSync, execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import { type ProfileSummary, summarizeCpuProfile } from './lib/cpuprofile.js';
import { type ClosedLoopOptions, runClosedLoop } from './lib/load.js';
import { type ManagedChild, MiB, procStatusBytes, RssSampler, spawnReady, stopChild } from './lib/process.js';
import { makeHome, startProxy } from './lib/proxy-home.js';
import { fmt, round, type Summary, summarize } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
const CHAT_PATH = '/v1/chat/completions';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    'proxy-flags': { type: 'string', default: '' },
    'chunk-delay-ms': { type: 'string', default: '1' },
    rounds: { type: 'string', default: '2' },
    only: { type: 'string', default: '' },
    bare: { type: 'boolean', default: false },
    'empty-library': { type: 'boolean', default: false },
    'compare-root': { type: 'string', multiple: true, default: [] },
    'proxy-root': { type: 'string', default: '' },
  },
});

// ---- plan --------------------------------------------------------------------------------------

/** Reply: 128 chars in 8-char deltas = role + 16 content + finish + usage + [DONE] = 20 SSE frames. */
const REPLY_CHARS = 128;
const CHUNK_SIZE = 8;
const CHUNK_DELAY_MS = Number(args['chunk-delay-ms']);
const ROUNDS = Math.max(1, Number(args.rounds));
const SCALE = args.quick ? 0.1 : 1;
const n = (x: number) => Math.max(10, Math.round(x * SCALE));
const ms = (x: number) => Math.max(300, Math.round(x * SCALE));
/** Nothing in the run may take longer than this; then children are killed and the run fails. */
const WATCHDOG_MS = 15 * 60_000;

interface Scenario {
  id: string;
  stream: boolean;
  concurrency: number;
  warmup: ClosedLoopOptions;
  /** One measured phase; each target gets ROUNDS of them, alternating with the other target. */
  phase: ClosedLoopOptions;
}

const SCENARIOS: Scenario[] = [
  {
    id: 'non-stream c1',
    stream: false,
    concurrency: 1,
    warmup: { concurrency: 1, maxRequests: n(300), maxDurationMs: 10_000 },
    phase: { concurrency: 1, maxRequests: n(2000), maxDurationMs: 60_000 },
  },
  {
    id: 'stream c1',
    stream: true,
    concurrency: 1,
    warmup: { concurrency: 1, maxRequests: n(50), maxDurationMs: 10_000 },
    phase: { concurrency: 1, maxRequests: n(500), maxDurationMs: 60_000 },
  },
  {
    id: 'non-stream c64',
    stream: false,
    concurrency: 64,
    warmup: { concurrency: 64, maxRequests: 20_000, maxDurationMs: ms(1000) },
    phase: { concurrency: 64, maxRequests: n(20_000), maxDurationMs: ms(5000) },
  },
  {
    id: 'stream c64',
    stream: true,
    concurrency: 64,
    warmup: { concurrency: 64, maxRequests: 20_000, maxDurationMs: ms(1000) },
    phase: { concurrency: 64, maxRequests: n(20_000), maxDurationMs: ms(5000) },
  },
];

/** --only: the scenario ids to measure (all when empty); an unknown id is an error, not a silent no-op. */
const ONLY = new Set(
  args.only
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== ''),
);
for (const id of ONLY) {
  if (!SCENARIOS.some((s) => s.id === id))
    throw new Error(`--only: no scenario "${id}" (have: ${SCENARIOS.map((s) => s.id).join(', ')})`);
}

const BUDGET = {
  addedP50Ms: 1,
  addedP99Ms: 5,
  addedFirstChunkP50Ms: 2,
  minThroughputRatio: 0.35,
  maxIdleRssBytes: 100 * MiB,
};

// ---- request bodies ----------------------------------------------------------------------------

/** A realistic ~2 KB agent call: system prompt, a short exchange, a new user message. */
function chatBody(stream: boolean): Buffer {
  const system =
    'You are a careful coding assistant working inside a developer tool. Answer concisely, prefer ' +
    'small, reviewable changes, and explain the reason for each change in one sentence. When you ' +
    'are unsure about an API, say so instead of guessing. Use the tools you are given to read files ' +
    'before proposing edits, keep the existing code style, and never invent file paths. Format code ' +
    'as fenced blocks with a language tag. If a request is ambiguous, ask one clarifying question ' +
    'first. Respect the project conventions: TypeScript strict mode, ESM modules, no default ' +
    'exports, errors with stable codes, structured logging without secrets, and tests next to the ' +
    'behaviour they assert. The user works on a Linux laptop with Node 20 and npm.';
  const messages = [
    { role: 'system', content: system },
    {
      role: 'user',
      content:
        'The integration test for the session tracker fails intermittently on CI with a timeout ' +
        'after 5000 ms. It passes locally. Here is the failing assertion: expected 2 sessions, got 1. ' +
        'What could make two requests land in the same session only on CI?',
    },
    {
      role: 'assistant',
      content:
        'Two likely causes: the requests share a conversation prefix so inference joins them, or ' +
        'the idle sweep has not run because the fake clock is not advanced. Can you show how the ' +
        'test builds the two request bodies and whether it sets X-Session-Id?',
    },
    {
      role: 'user',
      content:
        'Both bodies use the same system prompt and the second repeats the first message and adds ' +
        'one. No X-Session-Id header. The test expects a new session because the user agent differs. ' +
        'Should inference take the client name into account for main turns, and how would I test it?',
    },
  ];
  return Buffer.from(
    JSON.stringify({
      model: 'fake-model',
      messages,
      temperature: 0.2,
      max_tokens: 512,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    }),
  );
}

const BODIES = { stream: chatBody(true), nonStream: chatBody(false) };
const HEADERS = {
  'content-type': 'application/json',
  authorization: 'Bearer bench-key',
  'user-agent': 'metaclaw-bench/1.0',
};

// ---- one request -------------------------------------------------------------------------------

interface Sample {
  totalMs: number;
  /** Streams: time to the first SSE frame that carries content text; NaN otherwise. */
  firstChunkMs: number;
  /** Streams: SSE frames received. */
  frames: number;
  bytes: number;
}

/** A content delta with at least one character (the role frame has `"content":""`). */
const CONTENT_RE = /"content":"[^"]/;

async function oneRequest(pool: Pool, stream: boolean): Promise<Sample> {
  const t0 = performance.now();
  const res = await pool.request({
    path: CHAT_PATH,
    method: 'POST',
    headers: HEADERS,
    body: stream ? BODIES.stream : BODIES.nonStream,
  });
  if (res.statusCode !== 200) {
    const text = await res.body.text().catch(() => '');
    throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
  }
  if (!stream) {
    const text = await res.body.text();
    const totalMs = performance.now() - t0;
    if (!text.includes('The proxy relays')) throw new Error(`unexpected body: ${text.slice(0, 300)}`);
    return { totalMs, firstChunkMs: Number.NaN, frames: 0, bytes: Buffer.byteLength(text) };
  }
  let firstChunkMs = Number.NaN;
  let carry = '';
  let frames = 0;
  let bytes = 0;
  for await (const chunk of res.body) {
    const s = (chunk as Buffer).toString('latin1');
    bytes += s.length;
    const seen = carry + s;
    if (Number.isNaN(firstChunkMs) && CONTENT_RE.test(seen)) firstChunkMs = performance.now() - t0;
    // Frames end with a blank line; count terminators, including one split across chunks.
    for (
      let i = seen.indexOf('\n\n', Math.max(0, carry.length - 1));
      i >= 0;
      i = seen.indexOf('\n\n', i + 2)
    ) {
      frames++;
    }
    carry = seen.slice(-32);
  }
  const totalMs = performance.now() - t0;
  if (!carry.includes('data: [DONE]')) throw new Error(`stream ended without [DONE]: …${carry}`);
  if (Number.isNaN(firstChunkMs)) throw new Error('stream carried no content');
  return { totalMs, firstChunkMs, frames, bytes };
}

// ---- measurement -------------------------------------------------------------------------------

type TargetName = 'direct' | 'proxy' | 'bare';
/** The targets measured in this run: the bare pass-through only with --bare. */
const TARGETS: TargetName[] = args.bare ? ['direct', 'proxy', 'bare'] : ['direct', 'proxy'];

interface TargetAcc {
  total: number[];
  firstChunk: number[];
  ok: number;
  errors: number;
  errorMessages: string[];
  elapsedMs: number;
  phaseThroughputs: number[];
  frames: { min: number; max: number };
  bytes: number;
}

const newAcc = (): TargetAcc => ({
  total: [],
  firstChunk: [],
  ok: 0,
  errors: 0,
  errorMessages: [],
  elapsedMs: 0,
  phaseThroughputs: [],
  frames: { min: Number.POSITIVE_INFINITY, max: 0 },
  bytes: 0,
});

interface TargetResult {
  total: Summary;
  firstChunk: Summary | null;
  requests: number;
  errors: number;
  errorMessages: string[];
  throughput: number;
  phaseThroughputs: number[];
  framesPerStream: { min: number; max: number } | null;
  responseBytes: number;
}

interface ScenarioResult {
  id: string;
  stream: boolean;
  concurrency: number;
  direct: TargetResult;
  proxy: TargetResult;
  /** The bare Node.js pass-through (--bare), for reference. */
  bare: TargetResult | null;
  addedMs: { p50: number; p99: number };
  addedFirstChunkMs: { p50: number; p99: number } | null;
  throughputRatio: number;
  proxyPeakRssBytes: number;
  /** The proxy process's CPU time (user + system) over the measured phases, per proxied request. */
  proxyCpuMsPerRequest: number | null;
}

/** A process's CPU time so far (user + system, ms) from /proc; null when unavailable. */
function cpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 (utime, stime) in clock ticks; 100 per second on Linux.
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** Requests sent to the proxy (warm-ups included): each must be a turn in its store. */
let proxiedSent = 0;

async function drive(
  pool: Pool,
  target: TargetName,
  s: Scenario,
  opts: ClosedLoopOptions,
  acc: TargetAcc | null,
) {
  const r = await runClosedLoop({ ...opts, signal: stopLoad.signal }, (_i) => {
    if (target === 'proxy') proxiedSent++;
    return oneRequest(pool, s.stream);
  });
  if (!acc) {
    if (r.errors > 0)
      throw new Error(`${s.id} warm-up against ${target}: ${r.errors} errors, e.g. ${r.errorMessages[0]}`);
    return;
  }
  for (const x of r.samples) {
    acc.total.push(x.totalMs);
    if (s.stream) {
      acc.firstChunk.push(x.firstChunkMs);
      acc.frames.min = Math.min(acc.frames.min, x.frames);
      acc.frames.max = Math.max(acc.frames.max, x.frames);
    }
    acc.bytes = x.bytes;
  }
  acc.ok += r.samples.length;
  acc.errors += r.errors;
  acc.errorMessages.push(...r.errorMessages.slice(0, 3 - acc.errorMessages.length));
  acc.elapsedMs += r.elapsedMs;
  acc.phaseThroughputs.push(r.throughput);
}

function poolFor(origin: string, concurrency: number): Pool {
  return new Pool(origin, {
    connections: concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 60_000,
  });
}

function finishTarget(acc: TargetAcc, stream: boolean): TargetResult {
  return {
    total: summarize(acc.total),
    firstChunk: stream ? summarize(acc.firstChunk) : null,
    requests: acc.ok,
    errors: acc.errors,
    errorMessages: acc.errorMessages,
    throughput: acc.elapsedMs > 0 ? acc.ok / (acc.elapsedMs / 1000) : 0,
    phaseThroughputs: acc.phaseThroughputs,
    framesPerStream: stream ? acc.frames : null,
    responseBytes: acc.bytes,
  };
}

async function warmUp(origins: Partial<Record<TargetName, string>>, s: Scenario): Promise<void> {
  for (const target of TARGETS) {
    const pool = poolFor(origins[target]!, s.concurrency);
    try {
      await drive(pool, target, s, s.warmup, null);
    } finally {
      await pool.close();
    }
  }
}

async function runScenario(
  origins: Partial<Record<TargetName, string>>,
  s: Scenario,
  proxyPid: number,
): Promise<ScenarioResult> {
  const pools = Object.fromEntries(TARGETS.map((t) => [t, poolFor(origins[t]!, s.concurrency)])) as Record<
    TargetName,
    Pool
  >;
  const acc = { direct: newAcc(), proxy: newAcc(), bare: newAcc() };
  const rss = new RssSampler(proxyPid);
  let cpuBefore: number | null = null;
  try {
    for (const target of TARGETS) await drive(pools[target], target, s, s.warmup, null);
    rss.start();
    cpuBefore = cpuMs(proxyPid);
    // ABBA ordering: drift (thermal, page cache, WAL growth) hits every target alike.
    for (let round = 0; round < ROUNDS; round++) {
      const order: TargetName[] = round % 2 === 0 ? TARGETS : [...TARGETS].reverse();
      for (const target of order) {
        if (stopLoad.signal.aborted) break;
        progress(`  ${s.id}: round ${round + 1}/${ROUNDS} ${target}`);
        await drive(pools[target], target, s, s.phase, acc[target]);
      }
    }
  } finally {
    rss.stop();
    await Promise.all(Object.values(pools).map((p) => p.close()));
  }
  const cpuAfter = cpuMs(proxyPid);
  const direct = finishTarget(acc.direct, s.stream);
  const proxy = finishTarget(acc.proxy, s.stream);
  return {
    id: s.id,
    stream: s.stream,
    concurrency: s.concurrency,
    direct,
    proxy,
    bare: args.bare ? finishTarget(acc.bare, s.stream) : null,
    addedMs: { p50: proxy.total.p50 - direct.total.p50, p99: proxy.total.p99 - direct.total.p99 },
    addedFirstChunkMs:
      proxy.firstChunk && direct.firstChunk
        ? {
            p50: proxy.firstChunk.p50 - direct.firstChunk.p50,
            p99: proxy.firstChunk.p99 - direct.firstChunk.p99,
          }
        : null,
    throughputRatio: direct.throughput > 0 ? proxy.throughput / direct.throughput : 0,
    proxyPeakRssBytes: rss.peak,
    proxyCpuMsPerRequest:
      cpuBefore !== null && cpuAfter !== null && proxy.requests > 0
        ? (cpuAfter - cpuBefore) / proxy.requests
        : null,
  };
}

// ---- budgets and report ------------------------------------------------------------------------

interface Check {
  name: string;
  value: string;
  budget: string;
  pass: boolean;
}

function checksFor(r: ScenarioResult): Check[] {
  const out: Check[] = [];
  if (r.direct.errors + r.proxy.errors > 0) {
    out.push({
      name: `${r.id} errors`,
      value: `direct ${r.direct.errors}, proxy ${r.proxy.errors}`,
      budget: '0',
      pass: false,
    });
  }
  if (r.concurrency === 1) {
    out.push({
      name: `${r.id} added p50`,
      value: `${fmt(r.addedMs.p50, 3)} ms`,
      budget: `<= ${BUDGET.addedP50Ms} ms`,
      pass: r.addedMs.p50 <= BUDGET.addedP50Ms,
    });
    out.push({
      name: `${r.id} added p99`,
      value: `${fmt(r.addedMs.p99, 3)} ms`,
      budget: `<= ${BUDGET.addedP99Ms} ms`,
      pass: r.addedMs.p99 <= BUDGET.addedP99Ms,
    });
    if (r.addedFirstChunkMs) {
      out.push({
        name: `${r.id} added first-chunk p50`,
        value: `${fmt(r.addedFirstChunkMs.p50, 3)} ms`,
        budget: `<= ${BUDGET.addedFirstChunkP50Ms} ms`,
        pass: r.addedFirstChunkMs.p50 <= BUDGET.addedFirstChunkP50Ms,
      });
    }
  } else {
    out.push({
      name: `${r.id} throughput ratio`,
      value: `${fmt(100 * r.throughputRatio, 1)} %`,
      budget: `>= ${100 * BUDGET.minThroughputRatio} %`,
      pass: r.throughputRatio >= BUDGET.minThroughputRatio,
    });
  }
  return out;
}

function tableRows(results: ScenarioResult[], checks: Check[]): string[][] {
  const verdict = (...names: string[]) => {
    const mine = checks.filter((c) => names.includes(c.name));
    return mine.length === 0 ? 'info' : mine.every((c) => c.pass) ? 'PASS' : 'FAIL';
  };
  const rows: string[][] = [];
  for (const r of results) {
    const c1 = r.concurrency === 1;
    rows.push([
      r.id,
      'total',
      fmt(r.direct.total.p50, 3),
      fmt(r.direct.total.p99, 3),
      fmt(r.proxy.total.p50, 3),
      fmt(r.proxy.total.p99, 3),
      fmt(r.addedMs.p50, 3),
      fmt(r.addedMs.p99, 3),
      fmt(r.direct.throughput, 0),
      fmt(r.proxy.throughput, 0),
      `${fmt(100 * r.throughputRatio, 1)}%`,
      c1
        ? `+p50<=${BUDGET.addedP50Ms} +p99<=${BUDGET.addedP99Ms}`
        : `ratio>=${100 * BUDGET.minThroughputRatio}%`,
      c1
        ? verdict(`${r.id} added p50`, `${r.id} added p99`, `${r.id} errors`)
        : verdict(`${r.id} throughput ratio`, `${r.id} errors`),
    ]);
    if (r.direct.firstChunk && r.proxy.firstChunk && r.addedFirstChunkMs) {
      rows.push([
        r.id,
        'first chunk',
        fmt(r.direct.firstChunk.p50, 3),
        fmt(r.direct.firstChunk.p99, 3),
        fmt(r.proxy.firstChunk.p50, 3),
        fmt(r.proxy.firstChunk.p99, 3),
        fmt(r.addedFirstChunkMs.p50, 3),
        fmt(r.addedFirstChunkMs.p99, 3),
        '',
        '',
        '',
        c1 ? `+p50<=${BUDGET.addedFirstChunkP50Ms}` : '',
        c1 ? verdict(`${r.id} added first-chunk p50`) : 'info',
      ]);
    }
  }
  return rows;
}

const progress = (msg: string) => process.stderr.write(`${msg}\n`);

function gitDescribe(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} (src/ modified)` : head;
  } catch {
    return 'unknown';
  }
}

const sleep = (t: number) => new Promise<void>((r) => setTimeout(r, t));

const COMPARE_ROOTS = args['compare-root'].map((r) => path.resolve(r));
/** The build whose proxy is measured. */
const PROXY_ROOT = args['proxy-root'] ? path.resolve(args['proxy-root']) : ROOT;
for (const r of [...COMPARE_ROOTS, PROXY_ROOT]) {
  if (!fs.existsSync(path.join(r, 'dist', 'cli', 'main.js')))
    throw new Error(`--compare-root: no build at ${r}/dist (run its build first)`);
}

interface IdleRun {
  label: string;
  afterStartBytes: number | null;
  /** 1 s after the sequential warm-up. */
  justAfterBytes: number | null;
  /** 10 s after it: at rest (memory.ts hands the young generation back after 7 s of quiet). */
  idleBytes: number | null;
}

/** How long after start, and after the sequential warm-up, RSS is read. */
const START_SETTLE_MS = 2000;
const JUST_AFTER_MS = 1000;
const IDLE_AFTER_MS = 10_000;

/**
 * Idle RSS of one more proxy, measured as for the measured one: after start, and 1 s and 10 s
 * after the same sequential warm-up (the c1 scenarios' warm-ups). Runs alone, then is stopped.
 */
async function measureIdle(
  label: string,
  root: string,
  upstreamUrl: string,
  starterSkills: boolean,
): Promise<IdleRun> {
  const home = makeHome({ root, upstreamUrl, starterSkills });
  tempHomes.push(home);
  const proxy = await startProxy(root, home);
  children.push(proxy);
  try {
    await sleep(START_SETTLE_MS);
    const afterStartBytes = procStatusBytes(proxy.pid, 'VmRSS');
    const pool = poolFor(proxy.match[1]!, 1);
    try {
      for (const s of SCENARIOS.filter((x) => x.concurrency === 1)) {
        const r = await runClosedLoop({ ...s.warmup, signal: stopLoad.signal }, () =>
          oneRequest(pool, s.stream),
        );
        if (r.errors > 0)
          throw new Error(`idle RSS (${label}): ${r.errors} errors, e.g. ${r.errorMessages[0]}`);
      }
    } finally {
      await pool.close();
    }
    await sleep(JUST_AFTER_MS);
    const justAfterBytes = procStatusBytes(proxy.pid, 'VmRSS');
    await sleep(IDLE_AFTER_MS - JUST_AFTER_MS);
    return { label, afterStartBytes, justAfterBytes, idleBytes: procStatusBytes(proxy.pid, 'VmRSS') };
  } finally {
    await stopChild(proxy.child, 'SIGTERM', 10_000);
  }
}

// ---- orchestration -----------------------------------------------------------------------------

const children: ManagedChild[] = [];
/** Aborted on Ctrl-C or by the watchdog: load loops stop issuing requests. */
const stopLoad = new AbortController();
const tempHomes: string[] = [];
let cleaning: Promise<void> | null = null;

/**
 * Stop the load, then every child this run started (idempotent; the proxy gets SIGTERM so it shuts
 * down cleanly), then remove the temp METACLAW_HOME.
 */
function cleanup(): Promise<void> {
  stopLoad.abort();
  cleaning ??= Promise.all(
    children.map((c) => stopChild(c.child, 'SIGTERM', 10_000).catch(() => undefined)),
  ).then(() => {
    for (const home of tempHomes) fs.rmSync(home, { recursive: true, force: true });
  });
  return cleaning;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    progress(`\n${sig}: stopping the load, the proxy and the fake upstream…`);
    void cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  });
}

async function main(): Promise<number> {
  const watchdog = setTimeout(() => {
    progress(`benchmark exceeded ${WATCHDOG_MS / 60_000} min; aborting`);
    void cleanup().finally(() => process.exit(1));
  }, WATCHDOG_MS);
  watchdog.unref();

  if (!args['skip-build'] && PROXY_ROOT === ROOT) {
    progress('building dist/ (npm run build)…');
    execSync('npm run build', { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
  }

  const profDir = path.join(RESULTS_DIR, 'cpu-prof');
  try {
    const fake = await spawnReady(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(ROOT, 'bench', 'fake-upstream-child.ts'),
        '--reply-chars',
        String(REPLY_CHARS),
        '--chunk-size',
        String(CHUNK_SIZE),
        '--chunk-delay-ms',
        String(CHUNK_DELAY_MS),
      ],
      {
        cwd: ROOT,
        env: process.env,
        readyPattern: /^FAKE_UPSTREAM_URL (\S+)/,
        readyStream: 'stdout',
        timeoutMs: 30_000,
        stdinPipe: true,
      },
    );
    children.push(fake);
    const upstreamUrl = fake.match[1]!;

    // Idle RSS of the other configurations, one proxy at a time before the measured one starts.
    const idleRuns: IdleRun[] = [];
    const others: { label: string; root: string; starterSkills: boolean }[] = [
      { label: 'this build, empty library', root: PROXY_ROOT, starterSkills: false },
    ];
    if (args['empty-library'])
      others[0] = { label: 'this build, starter skills', root: PROXY_ROOT, starterSkills: true };
    for (const root of COMPARE_ROOTS) {
      others.push(
        { label: `${root}, starter skills`, root, starterSkills: true },
        { label: `${root}, empty library`, root, starterSkills: false },
      );
    }
    for (const o of others) {
      progress(`idle RSS: ${o.label}…`);
      idleRuns.push(await measureIdle(o.label, o.root, upstreamUrl, o.starterSkills));
    }

    const starterSkills = !args['empty-library'];
    const home = makeHome({ root: PROXY_ROOT, upstreamUrl, starterSkills });
    tempHomes.push(home);
    const profFlags = args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
    const extraFlags = args['proxy-flags'].split(/\s+/).filter((f) => f !== '');
    if (args['cpu-prof']) fs.rmSync(profDir, { recursive: true, force: true });
    const proxy = await startProxy(PROXY_ROOT, home, [...profFlags, ...extraFlags]);
    children.push(proxy);
    const origins: Partial<Record<TargetName, string>> = { direct: upstreamUrl, proxy: proxy.match[1]! };
    progress(`fake upstream ${origins.direct} (pid ${fake.pid}), proxy ${origins.proxy} (pid ${proxy.pid})`);
    if (args.bare) {
      const bare = await spawnReady(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'bench', 'bare-proxy-child.ts'), '--upstream', upstreamUrl],
        {
          cwd: ROOT,
          env: process.env,
          readyPattern: /^BARE_PROXY_URL (\S+)/,
          readyStream: 'stdout',
          timeoutMs: 30_000,
          stdinPipe: true,
        },
      );
      children.push(bare);
      origins.bare = bare.match[1]!;
      progress(`bare Node.js pass-through ${origins.bare} (pid ${bare.pid})`);
    }

    await sleep(START_SETTLE_MS);
    const rssAfterStart = procStatusBytes(proxy.pid, 'VmRSS');

    // Probe both targets once so a broken proxy fails with its own message, not a table of errors.
    for (const target of TARGETS) {
      const pool = poolFor(origins[target]!, 1);
      try {
        for (const stream of [false, true]) {
          if (target === 'proxy') proxiedSent++;
          await oneRequest(pool, stream).catch((err: Error) => {
            throw new Error(`probe ${stream ? 'stream' : 'non-stream'} via ${target} failed: ${err.message}`);
          });
        }
      } finally {
        await pool.close();
      }
    }

    progress('warm-up…');
    // "Idle" = at rest after ordinary use: measured once the sequential (c1) warm-ups have run.
    // Memory after the c64 load is reported separately (V8 returns it to the OS only after ~30 s).
    let rssIdle: number | null = null;
    let rssJustAfter: number | null = null;
    for (const s of SCENARIOS) {
      if (s.concurrency > 1 && rssIdle === null) {
        await sleep(JUST_AFTER_MS);
        rssJustAfter = procStatusBytes(proxy.pid, 'VmRSS');
        await sleep(IDLE_AFTER_MS - JUST_AFTER_MS);
        rssIdle = procStatusBytes(proxy.pid, 'VmRSS');
      }
      await warmUp(origins, s);
    }

    const results: ScenarioResult[] = [];
    for (const s of SCENARIOS) {
      if (stopLoad.signal.aborted) break;
      if (ONLY.size > 0 && !ONLY.has(s.id)) continue;
      progress(`scenario ${s.id}`);
      results.push(await runScenario(origins, s, proxy.pid));
    }
    await sleep(2000);
    const rssAfterLoad = procStatusBytes(proxy.pid, 'VmRSS');
    const rssHwm = procStatusBytes(proxy.pid, 'VmHWM');
    progress('resting 30 s after load…');
    await sleep(args.quick ? 5000 : 30_000);
    const rssRested = procStatusBytes(proxy.pid, 'VmRSS');
    const rssPeakDuringLoad = Math.max(...results.map((r) => r.proxyPeakRssBytes));

    // Recording on: every proxied request must be a committed turn (commits precede responses).
    const db = new Database(path.join(home, 'metaclaw.db'), { readonly: true, fileMustExist: true });
    const rec = db
      .prepare(
        "SELECT COUNT(*) AS turns, COALESCE(SUM(status = 'ok'), 0) AS ok, COUNT(DISTINCT session_id) AS sessions FROM turns",
      )
      .get() as { turns: number; ok: number; sessions: number };
    // Turns the starter skills were injected into (null when the store's layout has no such column).
    let injectedTurns: number | null = null;
    try {
      injectedTurns = (
        db
          .prepare(
            "SELECT COUNT(*) AS n FROM turns WHERE injected_revision_ids IS NOT NULL AND injected_revision_ids NOT IN ('', '[]')",
          )
          .get() as { n: number }
      ).n;
    } catch {
      injectedTurns = null;
    }
    db.close();

    await cleanup();
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, 'proxy-output.log'), proxy.output());
    let profile: ProfileSummary | null = null;
    if (args['cpu-prof']) {
      const file = fs
        .readdirSync(profDir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => path.join(profDir, f))[0];
      if (file) profile = summarizeCpuProfile(file, ROOT, 25);
      else progress(`no .cpuprofile written in ${profDir}`);
    }

    // ---- report --------------------------------------------------------------------------------
    const checks = results.flatMap(checksFor);
    const library = starterSkills ? 'starter skills' : 'empty library';
    for (const [when, bytes] of [
      ['after start', rssAfterStart],
      [`${IDLE_AFTER_MS / 1000} s after the c1 warm-ups`, rssIdle],
    ] as const) {
      checks.push({
        name: `idle RSS ${when} (${library})`,
        value: bytes === null ? 'n/a' : `${fmt(bytes / MiB, 1)} MB`,
        budget: `<= ${BUDGET.maxIdleRssBytes / MiB} MB`,
        pass: bytes !== null && bytes <= BUDGET.maxIdleRssBytes,
      });
    }
    checks.push({
      name: 'recording',
      value: `${rec.turns} turns (${rec.ok} ok) for ${proxiedSent} proxied requests`,
      budget: 'turns = requests, all ok',
      pass: rec.turns === proxiedSent && rec.ok === proxiedSent,
    });
    const pass = checks.every((c) => c.pass);

    const frames = results.find((r) => r.stream)?.direct.framesPerStream;
    const conditions = {
      date: new Date().toISOString(),
      commit: PROXY_ROOT === ROOT ? gitDescribe() : `build at ${PROXY_ROOT}`,
      node: process.version,
      undici: (
        JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/undici/package.json'), 'utf8')) as {
          version: string;
        }
      ).version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      processes: 'load generator, fake upstream and proxy each in their own process, sharing the cores',
      rounds: ROUNDS,
      ordering: 'ABBA: direct,proxy then proxy,direct …; a warm-up precedes each scenario',
      quick: args.quick,
      cpuProfiling: args['cpu-prof'],
      proxyNodeFlags: [...profFlags, ...extraFlags],
      requestBodyBytes: { nonStream: BODIES.nonStream.length, stream: BODIES.stream.length },
      responseBytes: {
        nonStream: results.find((r) => !r.stream)?.direct.responseBytes ?? 0,
        stream: results.find((r) => r.stream)?.direct.responseBytes ?? 0,
      },
      stream: {
        framesPerStream: frames ?? null,
        replyChars: REPLY_CHARS,
        chunkChars: CHUNK_SIZE,
        chunkDelayMs: CHUNK_DELAY_MS,
      },
      recording: 'on (SQLite WAL store in a temp METACLAW_HOME, logging.level warn, judge off)',
      library: starterSkills ? 'starter skills (metaclaw skills init)' : 'empty',
      proxyRoot: PROXY_ROOT,
      compareRoots: COMPARE_ROOTS,
      perPhase: Object.fromEntries(
        SCENARIOS.map((s) => [
          s.id,
          {
            concurrency: s.concurrency,
            maxRequests: s.phase.maxRequests,
            maxDurationMs: s.phase.maxDurationMs,
          },
        ]),
      ),
    };

    const headers = [
      'scenario',
      'metric',
      'direct p50',
      'direct p99',
      'proxy p50',
      'proxy p99',
      'added p50',
      'added p99',
      'req/s direct',
      'req/s proxy',
      'ratio',
      'budget',
      'result',
    ];
    const out: string[] = [];
    out.push(
      '',
      'MetaClaw proxy benchmark (latencies in ms; added = proxy − direct for the same percentile)',
      '',
    );
    out.push(renderTable(headers, tableRows(results, checks)), '');
    out.push(
      renderTable(
        [
          'scenario',
          'samples direct',
          'samples proxy',
          'errors direct',
          'errors proxy',
          'proxy peak RSS MB',
          'proxy CPU ms/req',
        ],
        results.map((r) => [
          r.id,
          String(r.direct.requests),
          String(r.proxy.requests),
          String(r.direct.errors),
          String(r.proxy.errors),
          fmt(r.proxyPeakRssBytes / MiB, 1),
          r.proxyCpuMsPerRequest === null ? 'n/a' : fmt(r.proxyCpuMsPerRequest, 3),
        ]),
      ),
      '',
    );
    if (args.bare) {
      out.push(
        'bare Node.js pass-through (node:http + undici, no validation, sessions, skills or recording), same run:',
        renderTable(
          ['scenario', 'bare p50', 'bare p99', 'req/s bare', 'bare / direct', 'MetaClaw / bare'],
          results.map((r) => {
            const b = r.bare!;
            return [
              r.id,
              fmt(b.total.p50, 3),
              fmt(b.total.p99, 3),
              fmt(b.throughput, 0),
              `${fmt((100 * b.throughput) / r.direct.throughput, 1)}%`,
              `${fmt((100 * r.proxy.throughput) / b.throughput, 1)}%`,
            ];
          }),
        ),
        '',
      );
    }
    const mb = (b: number | null) => (b === null ? 'n/a' : `${fmt(b / MiB, 1)} MB`);
    out.push(
      `proxy RSS: after start ${mb(rssAfterStart)}, 1 s after the c1 warm-ups ${mb(rssJustAfter)}, ` +
        `10 s after (idle) ${mb(rssIdle)}, ` +
        `peak during load ${mb(rssPeakDuringLoad)} (VmHWM ${mb(rssHwm)}), 2 s after load ${mb(rssAfterLoad)}, ` +
        `${args.quick ? 5 : 30} s after load ${mb(rssRested)}`,
    );
    out.push(
      `library: ${starterSkills ? 'the starter skills' : 'empty'}; turns with injected skills: ${injectedTurns ?? 'n/a'}`,
      `idle RSS in the same run (each proxy alone; ${START_SETTLE_MS / 1000} s after start, then ` +
        `${JUST_AFTER_MS / 1000} s and ${IDLE_AFTER_MS / 1000} s after the c1 warm-ups):`,
      ...[
        {
          label: `this build, ${library} (measured proxy)`,
          afterStartBytes: rssAfterStart,
          justAfterBytes: rssJustAfter,
          idleBytes: rssIdle,
        },
        ...idleRuns,
      ].map(
        (r) =>
          `  ${r.label}: after start ${mb(r.afterStartBytes)}, 1 s after ${mb(r.justAfterBytes)}, idle ${mb(r.idleBytes)}`,
      ),
    );
    out.push(
      `recording: ${rec.turns} turns in the store (${rec.ok} ok, ${rec.sessions} sessions) for ${proxiedSent} requests sent through the proxy`,
      '',
    );
    out.push('checks:');
    for (const c of checks)
      out.push(`  ${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.value} (budget ${c.budget})`);
    for (const r of results) {
      for (const t of ['direct', 'proxy'] as const) {
        for (const m of r[t].errorMessages) out.push(`  error (${r.id}, ${t}): ${m}`);
      }
    }
    out.push('', `overall: ${pass ? 'PASS' : 'FAIL'}`, '');
    out.push(
      `conditions: node ${conditions.node}, ${conditions.cpus} CPUs (${conditions.cpuModel}), ${conditions.platform}, undici ${conditions.undici}, commit ${conditions.commit}`,
      `  request body ${conditions.requestBodyBytes.nonStream} B (stream ${conditions.requestBodyBytes.stream} B); ` +
        `response ${conditions.responseBytes.nonStream} B; stream ${frames ? `${frames.min}-${frames.max}` : '?'} SSE frames, ` +
        `${conditions.responseBytes.stream} B, ${CHUNK_DELAY_MS} ms between frames`,
      `  per phase: ${SCENARIOS.map((s) => `${s.id} ≤${s.phase.maxRequests} req/≤${s.phase.maxDurationMs / 1000} s`).join('; ')}; ` +
        `${ROUNDS} phases per target, ABBA order, warm-up before each scenario`,
      `  ${conditions.processes}; recording on`,
    );
    if (profile) {
      out.push(
        '',
        `proxy CPU profile (${profile.file}; busy ${fmt(profile.profiledMs - profile.idleMs, 0)} ms, GC ${fmt(profile.gcMs, 0)} ms):`,
      );
      out.push(
        renderTable(
          ['self %', 'self ms', 'total %', 'function', 'where'],
          profile.top.map((h) => [fmt(h.selfPct, 1), fmt(h.selfMs, 0), fmt(h.totalPct, 1), h.name, h.where]),
        ),
        '',
        renderTable(
          ['self %', 'self ms', 'file'],
          profile.byFile.map((f) => [fmt(f.selfPct, 1), fmt(f.selfMs, 0), f.file]),
        ),
      );
    }

    const json = {
      benchmark: 'proxy',
      pass,
      conditions,
      budgets: BUDGET,
      scenarios: results.map((r) => ({
        id: r.id,
        stream: r.stream,
        concurrency: r.concurrency,
        addedMs: roundAll(r.addedMs),
        addedFirstChunkMs: r.addedFirstChunkMs ? roundAll(r.addedFirstChunkMs) : null,
        throughputRatio: round(r.throughputRatio, 4),
        proxyPeakRssMB: round(r.proxyPeakRssBytes / MiB, 1),
        proxyCpuMsPerRequest: r.proxyCpuMsPerRequest === null ? null : round(r.proxyCpuMsPerRequest, 4),
        direct: targetJson(r.direct),
        proxy: targetJson(r.proxy),
        bare: r.bare ? targetJson(r.bare) : null,
      })),
      rssMB: {
        afterStart: rssAfterStart === null ? null : round(rssAfterStart / MiB, 1),
        justAfterWarmup: rssJustAfter === null ? null : round(rssJustAfter / MiB, 1),
        idle: rssIdle === null ? null : round(rssIdle / MiB, 1),
        peakDuringLoad: round(rssPeakDuringLoad / MiB, 1),
        hwm: rssHwm === null ? null : round(rssHwm / MiB, 1),
        afterLoad: rssAfterLoad === null ? null : round(rssAfterLoad / MiB, 1),
        restedAfterLoad: rssRested === null ? null : round(rssRested / MiB, 1),
      },
      idleRuns: idleRuns.map((r) => ({
        label: r.label,
        afterStartMB: r.afterStartBytes === null ? null : round(r.afterStartBytes / MiB, 1),
        justAfterMB: r.justAfterBytes === null ? null : round(r.justAfterBytes / MiB, 1),
        idleMB: r.idleBytes === null ? null : round(r.idleBytes / MiB, 1),
      })),
      recording: {
        proxiedRequests: proxiedSent,
        turns: rec.turns,
        okTurns: rec.ok,
        sessions: rec.sessions,
        injectedTurns,
      },
      checks,
      cpuProfile: profile,
    };
    out.push('', `JSON ${JSON.stringify(json)}`);
    process.stdout.write(`${out.join('\n')}\n`);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, 'proxy.json'), `${JSON.stringify(json, null, 2)}\n`);
    progress(`wrote ${path.relative(ROOT, path.join(RESULTS_DIR, 'proxy.json'))}`);
    return pass ? 0 : 1;
  } catch (err) {
    if (stopLoad.signal.aborted) return 1; // interrupted: the signal handler reports and exits
    const tails = children.map((c) => c.output().trim()).filter((t) => t !== '');
    progress(`benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
    for (const t of tails) progress(`--- child output (tail) ---\n${t}`);
    return 1;
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }
}

function roundAll<T extends Record<string, number>>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)])) as T;
}

function targetJson(t: TargetResult) {
  return {
    requests: t.requests,
    errors: t.errors,
    throughput: round(t.throughput, 1),
    phaseThroughputs: t.phaseThroughputs.map((x) => round(x, 1)),
    totalMs: roundAll({ ...t.total }),
    firstChunkMs: t.firstChunk ? roundAll({ ...t.firstChunk }) : null,
    framesPerStream: t.framesPerStream,
    responseBytes: t.responseBytes,
  };
}

process.exitCode = await main();
