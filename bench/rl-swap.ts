// Sampler-swap benchmark: request latency through the proxy in `serving.mode: policy` while new
// sampler weights are swapped in, against steady state, in one run (budget: p99 ≤ +10 %, 0 errors).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { Pool } from 'undici';
import { App } from '../src/app.js';
import { validateConfig } from '../src/config/load.js';
import { TinkerSampler } from '../src/learning/rl/runtime.js';
import { startFakeLlm } from '../test/fixtures/fake-llm/index.js';
import { POLICY_FIXTURE_DIR } from '../test/fixtures/policy/index.js';
import { startFakeTinker } from '../test/fixtures/tinker/index.js';
import { runClosedLoop } from './lib/load.js';
import { fmt, summarize } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const CONCURRENCY = 8;
const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 4000);
const SWAP_EVERY_MS = 250;

async function main() {
  const tinker = await startFakeTinker({ vocab: 312, seed: 5 });
  const fake = await startFakeLlm();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'metaclaw-bench-rl-'));
  const config = validateConfig({
    upstream: { provider: 'openai', base_url: `${fake.url}/v1`, api_key: 'k' },
    serving: { mode: 'policy', policy: { tokenizer_dir: POLICY_FIXTURE_DIR, max_tokens: 8 } },
    rl: {
      enabled: true,
      backend_url: tinker.url,
      api_key: tinker.apiKey,
      base_model: tinker.baseModel,
      lora_rank: 4,
      schedule: 'manual',
    },
    judge: { enabled: false },
    skills: { enabled: false },
    logging: { level: 'silent' },
  });
  const app = await App.create({
    loaded: { config, file: path.join(home, 'config.yaml'), home, fileExists: false },
    port: 0,
    env: {},
    log: pino({ level: 'silent' }),
  });
  await app.start();
  const pool = new Pool(app.url, { connections: CONCURRENCY });
  const body = JSON.stringify({
    model: 'policy',
    messages: [{ role: 'user', content: 'Tell me something.' }],
  });
  const phase = () =>
    runClosedLoop({ concurrency: CONCURRENCY, maxRequests: 1_000_000, maxDurationMs: PHASE_MS }, async () => {
      const t0 = performance.now();
      const r = await pool.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const text = await r.body.text();
      if (r.statusCode !== 200) throw new Error(`HTTP ${r.statusCode} ${text.slice(0, 300)}`);
      return performance.now() - t0;
    });

  await phase(); // warm-up
  const steady = await phase();
  // Swap in freshly saved sampler weights every SWAP_EVERY_MS while the same load runs.
  const conn = app.rl!.connection;
  const trainer = await conn.get();
  let swaps = 0;
  let stop = false;
  const swapper = (async () => {
    for (let v = 1; !stop; v++) {
      const ref = await trainer.saveWeightsForSampler(`bench-${v}`);
      app.policy!.setSampler(new TinkerSampler(conn, ref, v));
      swaps++;
      await new Promise((r) => setTimeout(r, SWAP_EVERY_MS));
    }
  })();
  const swapping = await phase();
  stop = true;
  await swapper;
  const s = summarize(steady.samples);
  const w = summarize(swapping.samples);
  const errors = steady.errors + swapping.errors;
  console.log(`\nMetaClaw sampler-swap benchmark — Node ${process.version}, ${os.cpus().length} CPUs`);
  console.log(
    `Conditions: proxy in serving.mode policy on a local Tinker-protocol server (in process), closed loop c=${CONCURRENCY}, ${PHASE_MS} ms per phase, max_tokens 8; ${swaps} swaps (one every ${SWAP_EVERY_MS} ms) in the second phase.\n`,
  );
  console.log(
    renderTable(
      ['phase', 'requests', 'p50 ms', 'p99 ms', 'errors'],
      [
        ['steady state', String(steady.samples.length), fmt(s.p50), fmt(s.p99), String(steady.errors)],
        ['during swaps', String(swapping.samples.length), fmt(w.p50), fmt(w.p99), String(swapping.errors)],
      ],
    ),
  );
  if (errors > 0) console.log('errors:', [...steady.errorMessages, ...swapping.errorMessages].slice(0, 3));
  const pass = w.p99 <= s.p99 * 1.1 && errors === 0;
  console.log(
    `p99 ratio ${fmt(w.p99 / s.p99, 3)} (budget ≤ 1.10), errors ${errors} (budget 0): ${pass ? 'PASS' : 'FAIL'}`,
  );
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(
    'bench/results/rl-swap.json',
    JSON.stringify(
      { steady: s, swapping: w, swaps, errors, conditions: { CONCURRENCY, PHASE_MS, SWAP_EVERY_MS } },
      null,
      2,
    ),
  );
  await pool.close();
  await app.stop(1000);
  await fake.close();
  await tinker.close();
  process.exitCode = pass ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
