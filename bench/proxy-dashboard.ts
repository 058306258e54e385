// Does an open dashboard slow the proxy? Proxy latency with no dashboard client vs with one SSE
// client on /v1/admin/events receiving a `turn` event (a TurnSummary) for every proxied turn.
// Same processes as bench/proxy.ts: the fake upstream (bench/fake-upstream-child.ts) and the real
// service (`metaclaw start --foreground`, run from source with tsx) each in their own process,
// recording every turn to SQLite; the load and the SSE client run here. Conditions alternate run
// by run (A B A B …) so drift on this shared machine hits both alike.
//
//   npm run bench:proxy-dashboard                 5 runs per condition
//   npm run bench:proxy-dashboard -- --runs 3 --requests 200
//   npm run bench:proxy-dashboard -- --cpu-prof        also the dashboard code's share of the service's CPU
//   npm run bench:proxy-dashboard -- --discard-events  the SSE client counts events without parsing them
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { summarizeCpuProfile } from './lib/cpuprofile.js';
import { type ManagedChild, spawnReady, stopChild } from './lib/process.js';
import { fmt, summarize } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    requests: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '1,8' },
    /** The SSE client counts frames without parsing them (isolates the service's own cost). */
    'discard-events': { type: 'boolean', default: false },
    /** Profile the service and print the dashboard code's share of its CPU. */
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const RUNS = Math.max(1, Number(args.runs));
const REQUESTS = Math.max(20, Number(args.requests));
const CONCURRENCY = args.concurrency.split(',').map(Number);
const KEY = 'bench-key';

const BODY = {
  stream: Buffer.from(
    JSON.stringify({
      model: 'fake-model',
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'You are a careful coding assistant.' },
        { role: 'user', content: 'Why does the session tracker test time out on CI only?' },
      ],
    }),
  ),
  nonStream: Buffer.from(
    JSON.stringify({
      model: 'fake-model',
      messages: [
        { role: 'system', content: 'You are a careful coding assistant.' },
        { role: 'user', content: 'Why does the session tracker test time out on CI only?' },
      ],
    }),
  ),
};
const HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };

async function oneRequest(pool: Pool, stream: boolean): Promise<number> {
  const t0 = performance.now();
  const res = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: HEADERS,
    body: stream ? BODY.stream : BODY.nonStream,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200 || !text.includes(stream ? 'data: [DONE]' : 'The proxy relays'))
    throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
  return performance.now() - t0;
}

/** Requests back to back from `concurrency` workers; the latency of each. */
async function load(origin: string, stream: boolean, concurrency: number, n: number): Promise<number[]> {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const out: number[] = [];
  let issued = 0;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (issued < n) {
          issued++;
          out.push(await oneRequest(pool, stream));
        }
      }),
    );
  } finally {
    await pool.close();
  }
  return out;
}

/** The dashboard, in its own process (bench/sse-client-child.ts) as a browser tab would be. */
async function openDashboard(origin: string) {
  const child = await spawnReady(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'bench', 'sse-client-child.ts'),
      '--url',
      origin,
      '--key',
      KEY,
      ...(args['discard-events'] ? ['--discard'] : []),
    ],
    {
      cwd: ROOT,
      env: process.env,
      readyPattern: /^SSE_READY/,
      readyStream: 'stdout',
      timeoutMs: 30_000,
      stdinPipe: true,
    },
  );
  let last = { turn: 0, resync: 0 };
  let wake: () => void = () => {};
  child.child.stdout?.on('data', (b: Buffer) => {
    const m = /SSE_COUNT (\d+) (\d+)\s*$/.exec(b.toString());
    if (m) last = { turn: Number(m[1]), resync: Number(m[2]) };
    wake();
  });
  const counts = async () => {
    const got = new Promise<void>((r) => {
      wake = r;
    });
    child.child.stdin?.write('count\n');
    await got;
    return last;
  };
  return {
    /** Asks until `want` turn events arrived (they are published just after each response), or gives up. */
    async received(want: number) {
      let c = await counts();
      for (let i = 0; i < 50 && c.turn < want; i++) {
        await new Promise((r) => setTimeout(r, 20));
        c = await counts();
      }
      return c;
    },
    close: async () => {
      child.child.stdin?.end();
      await stopChild(child.child);
    },
  };
}

interface RunStat {
  p50: number;
  p95: number;
  /** The service's own CPU time (user + system) per request in this run. */
  cpuMs: number;
}

/** CPU time of a process so far, ms (utime + stime from /proc; Linux). */
function cpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) of stat(5), counted after the ')' that ends the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const median = (xs: number[]) => summarize(xs).p50;
const spread = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]!;
};

async function main(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'metaclaw-bench-dash-'));
  const children: ManagedChild[] = [];
  try {
    const fake = await spawnReady(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'bench', 'fake-upstream-child.ts'), '--chunk-delay-ms', '1'],
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
    fs.writeFileSync(
      path.join(home, 'config.yaml'),
      `upstream:\n  provider: openai\n  base_url: ${fake.match[1]}/v1\n  api_key: x\nproxy:\n  api_key: ${KEY}\njudge:\n  enabled: false\nlogging:\n  level: warn\n`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env, METACLAW_HOME: home };
    for (const k of Object.keys(env))
      if (/^(OPENAI|ANTHROPIC)_/.test(k) || k === 'NODE_OPTIONS') delete env[k];
    const cli = path.join(ROOT, 'src', 'cli', 'main.ts');
    const proxy = await spawnReady(
      process.execPath,
      [
        ...(args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.join(home, 'prof')] : []),
        // By URL: the service runs in its home folder, where the bare name `tsx` does not resolve.
        '--import',
        import.meta.resolve('tsx'),
        '--input-type=module',
        '-e',
        `import(${JSON.stringify(cli)}).then((m) => m.main(['node', 'metaclaw', 'start', '--foreground', '--port', '0']))`,
      ],
      {
        cwd: home,
        env,
        readyPattern: /MetaClaw listening on (\S+)/,
        readyStream: 'stderr',
        timeoutMs: 60_000,
      },
    );
    children.push(proxy);
    const origin = proxy.match[1]!;
    process.stderr.write(`proxy ${origin} (pid ${proxy.pid}), fake upstream ${fake.match[1]}\n`);
    for (const stream of [false, true]) await load(origin, stream, 4, 100); // warm-up (JIT, store)

    const rows: string[][] = [];
    let delivered = 0;
    let expected = 0;
    let resyncs = 0;
    for (const stream of [false, true]) {
      for (const c of CONCURRENCY) {
        const stats: Record<'none' | 'sse', RunStat[]> = { none: [], sse: [] };
        for (let run = 0; run < RUNS; run++) {
          for (const cond of ['none', 'sse'] as const) {
            const dash = cond === 'sse' ? await openDashboard(origin) : null;
            const cpu0 = cpuMs(proxy.pid);
            const lat = await load(origin, stream, c, REQUESTS);
            const cpu = (cpuMs(proxy.pid) - cpu0) / REQUESTS;
            if (dash) {
              const got = await dash.received(REQUESTS);
              delivered += got.turn;
              expected += REQUESTS;
              resyncs += got.resync;
              await dash.close();
            }
            stats[cond].push({ p50: median(lat), p95: p95(lat), cpuMs: cpu });
          }
        }
        for (const cond of ['none', 'sse'] as const) {
          const s = stats[cond];
          rows.push([
            `${stream ? 'stream' : 'non-stream'} c${c}`,
            cond === 'none' ? 'no dashboard' : '1 SSE client',
            fmt(median(s.map((x) => x.p50))),
            spread(s.map((x) => x.p50)),
            fmt(median(s.map((x) => x.p95))),
            spread(s.map((x) => x.p95)),
            fmt(median(s.map((x) => x.cpuMs)), 3),
          ]);
        }
      }
    }
    console.log(
      `\nconditions: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load avg ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}, node ${process.version};` +
        `\n  ${RUNS} runs per condition, alternating; ${REQUESTS} requests per run; fake upstream 128-char reply (streams: 8-char chunks, 1 ms apart);` +
        `\n  service from source (tsx), turns recorded to SQLite, judge off; the SSE client (its own process) ${args['discard-events'] ? 'counts every event without parsing it' : 'parses every event'}.\n`,
    );
    console.log(
      renderTable(
        [
          'scenario',
          'condition',
          'p50 ms (median of runs)',
          'p50 spread',
          'p95 ms (median of runs)',
          'p95 spread',
          'service CPU ms/req',
        ],
        rows,
      ),
    );
    console.log(
      `\nturn events delivered to the SSE client: ${delivered} of ${expected} turns; resyncs: ${resyncs}`,
    );
    if (args['cpu-prof']) {
      await stopChild(proxy.child); // writes the profile
      const dir = path.join(home, 'prof');
      const p = summarizeCpuProfile(path.join(dir, fs.readdirSync(dir)[0]!), ROOT, 10_000);
      const total = p.profiledMs - p.idleMs;
      const self = (re: RegExp) => p.byFile.filter((f) => re.test(f.file)).reduce((a, f) => a + f.selfMs, 0);
      // The admin API runs only for the dashboard; the conversation view runs for every request
      // (the proxy's own) and once more per turn event (the summary's request text).
      const admin = self(/src\/admin-api\//);
      const view = self(/src\/protocol\/(view|agents)/);
      const pct = (x: number) => ((100 * x) / total).toFixed(1);
      console.log(
        `service CPU profile (both conditions, profiler overhead included): ${total.toFixed(0)} ms busy; ` +
          `src/admin-api ${admin.toFixed(0)} ms (${pct(admin)} %, ${((1000 * admin) / Math.max(1, delivered)).toFixed(1)} µs per turn event); ` +
          `conversation view, proxy and dashboard together ${view.toFixed(0)} ms (${pct(view)} %)`,
      );
    }
  } finally {
    for (const c of children.reverse()) await stopChild(c.child);
    fs.rmSync(home, { recursive: true, force: true });
  }
}

await main();
