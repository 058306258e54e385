// Learning-loop benchmark: (A) time from a failing turn's judgement to the new skill being live,
// minus the evolver model's own latency; (B) serving latency while evolutions run vs without;
// (C) evolutions per distinct failure; then injection precision / recall (bench/injection.ts) and
// injection on recorded agent traffic (bench/agent-traffic.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { request } from 'undici';
import { App } from '../src/app.js';
import { validateConfig } from '../src/config/load.js';
import { EvolutionRepository } from '../src/store/evolutions.js';
import {
  lastUserText,
  type RecordedRequest,
  startFakeLlm,
  systemText,
} from '../test/fixtures/fake-llm/index.js';
import { loadAgentFixtures } from '../test/helpers/agent-replay.js';
import { trafficRows, trafficTable } from './agent-traffic.js';
import { defaultOptions, injectionTable, measureInjection, PREVIOUS } from './injection.js';
import { runClosedLoop } from './lib/load.js';
import { fmt, summarize } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const N_EVOLUTIONS = Number(process.env.BENCH_EVOLUTIONS ?? 30);
const LOAD_CONCURRENCY = 8;
const LOAD_MS = Number(process.env.BENCH_LOAD_MS ?? 2000);
/** Alternating quiet/busy phase pairs whose samples are pooled. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
/** Evolver model latency during phase B (real evolver calls take seconds; this is generous to us). */
const EVOLVER_LATENCY_MS = Number(process.env.BENCH_EVOLVER_MS ?? 250);

const words =
  'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango'.split(
    ' ',
  );
let seed = 7;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const phrase = (n: number) =>
  Array.from(
    { length: n },
    () => `${words[Math.floor(rnd() * words.length)]}${Math.floor(rnd() * 1000)}`,
  ).join(' ');

const isJudge = (r: RecordedRequest) => systemText(r).includes('You evaluate one response');
const isEvolver = (r: RecordedRequest) => systemText(r).includes('You maintain a library of skills');

async function main() {
  const fake = await startFakeLlm();
  let lesson = 0;
  // Phase B gives the evolver a realistic thinking time; phase A measures without it.
  let evolverLatencyMs = 0;
  fake.script((req) => {
    if (isJudge(req))
      return {
        text: lastUserText(req).includes('## Request\nuser: fail') ? 'Wrong.\nScore: -1' : 'Fine.\nScore: 1',
      };
    if (isEvolver(req)) {
      lesson++;
      // A lesson about the failed request (in its words): verification rejects a skill that
      // retrieval would never inject for the failure it is meant to fix.
      const failed = /Request:\nuser: ([^\n]*)/.exec(lastUserText(req))?.[1] ?? phrase(6);
      return {
        firstByteDelayMs: evolverLatencyMs,
        text: JSON.stringify({
          ops: [
            { op: 'add', name: `lesson-${lesson}`, description: `Lesson for ${failed}`, body: phrase(80) },
          ],
        }),
      };
    }
    return { text: 'ok' };
  });
  const app = await startApp(fake.url, 'metaclaw-bench-learning-', false);
  const evolutions = new EvolutionRepository(app.db);

  const post = async (body: object, headers: Record<string, string> = {}) => {
    const r = await request(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    await r.body.text();
    if (r.statusCode !== 200) throw new Error(`HTTP ${r.statusCode}`);
  };

  // (A) judgement → live, one failing session at a time.
  let rewardAt = 0;
  let liveAt = 0;
  app.learning.onReward((_t, score) => {
    if (score < 0) rewardAt = performance.now();
  });
  // Resolved on the next library change: the bench waits on events, not a polling loop that would
  // itself load the event loop it is measuring.
  let changed: () => void = () => {};
  const nextChange = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      changed = () => {
        clearTimeout(t);
        resolve();
      };
    });
  app.skills.library.onChange(() => {
    changed();
    liveAt = performance.now();
  });
  const overheads: number[] = [];
  const totals: number[] = [];
  const failOnce = async (i: number) => {
    liveAt = 0;
    const live = nextChange(10_000);
    await post(
      { model: 'agent', messages: [{ role: 'user', content: `fail ${i} ${phrase(4)}` }] },
      { 'x-session-id': `fail-${i}-${performance.now()}`, 'x-session-done': 'true' },
    );
    await live;
    const e = evolutions.list(1)[0]!;
    const timings = (e.validation as { timings?: { model_ms: number } }).timings;
    return { total: liveAt - rewardAt, model: timings?.model_ms ?? 0 };
  };
  // The first evolution builds the tokenizer (o200k, ~1–2 s): a one-off cost of the service, not
  // of the path measured here.
  await failOnce(-1);
  for (let i = 0; i < N_EVOLUTIONS; i++) {
    const r = await failOnce(i);
    totals.push(r.total);
    overheads.push(r.total - r.model);
  }
  const o = summarize(overheads);
  const t = summarize(totals);

  // (B) serving latency with and without evolutions running alongside.
  const serve = (tag: string) =>
    runClosedLoop(
      { concurrency: LOAD_CONCURRENCY, maxRequests: 1_000_000, maxDurationMs: LOAD_MS },
      async (i) => {
        const t0 = performance.now();
        await post({
          model: 'agent',
          messages: [
            { role: 'system', content: 'You are an agent.' },
            { role: 'user', content: `${tag} ${i} ${phrase(10)}` },
          ],
        });
        return performance.now() - t0;
      },
    );
  await serve('warm');
  evolverLatencyMs = EVOLVER_LATENCY_MS;
  // Evolutions back to back, fed by failures written straight to the store (as feedback would),
  // so the only extra work in a busy phase is the evolutions themselves. Quiet and busy phases
  // alternate (ABAB…) and their samples are pooled, so drift and GC noise hit both alike.
  const engine = app.learning.evolution!;
  let during = 0;
  let bgIndex = 0;
  const busyPhase = async () => {
    let stop = false;
    const background = (async () => {
      while (!stop) {
        const i = bgIndex++;
        const before = app.skills.library.current().generation;
        const sessionId = `bg-${i}`;
        const turnId = `bg-turn-${i}`;
        app.turns.insert(
          {
            id: turnId,
            sessionId,
            seq: 1,
            kind: 'main',
            protocol: 'openai-chat',
            upstreamProtocol: 'openai-chat',
            model: 'agent',
            stream: false,
            requestJson: JSON.stringify({
              model: 'agent',
              messages: [{ role: 'user', content: `fail bg ${i} ${phrase(6)}` }],
            }),
            upstreamRequestJson: null,
            responseJson: JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'ok' } }] }),
            status: 'ok',
            httpStatus: 200,
            error: null,
            startedAt: Date.now(),
            latencyMs: 1,
            ttftMs: null,
            usageJson: null,
            libraryGeneration: before,
            injectedRevisionIds: [],
            policyVersion: null,
          },
          { create: { source: 'header', client: 'bench', at: Date.now() } },
        );
        app.rewards.insert({ turnId, source: 'user', score: -1, rationale: 'wrong' });
        const live = nextChange(10_000);
        engine.enqueue('bench');
        await live;
        during++;
      }
    })();
    const r = await serve('busy');
    stop = true;
    await background;
    return r;
  };
  const quietSamples: number[] = [];
  const busySamples: number[] = [];
  let quietThroughput = 0;
  let errors = 0;
  let busyThroughput = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const q = await serve('quiet');
    const b = await busyPhase();
    quietSamples.push(...q.samples);
    busySamples.push(...b.samples);
    quietThroughput += q.throughput / ROUNDS;
    busyThroughput += b.throughput / ROUNDS;
    errors += q.errors + b.errors;
  }
  const quiet = { samples: quietSamples, throughput: quietThroughput, errors };
  const busy = { samples: busySamples, throughput: busyThroughput, errors: 0 };
  const q = summarize(quiet.samples);
  const b = summarize(busy.samples);

  const table = renderTable(
    ['measure', 'p50 ms', 'p99 ms', 'budget', 'result'],
    [
      [
        'judgement → skill live, minus model latency',
        fmt(o.p50),
        fmt(o.p99),
        '≤ 100 ms',
        o.p99 <= 100 ? 'PASS' : 'FAIL',
      ],
      ['judgement → skill live, incl. fake model', fmt(t.p50), fmt(t.p99), '', ''],
      ['serving, no evolution', fmt(q.p50), fmt(q.p99), '', ''],
      [
        `serving, during evolutions (${during} ran)`,
        fmt(b.p50),
        fmt(b.p99),
        '≤ +10 % p99',
        b.p99 <= q.p99 * 1.1 ? 'PASS' : 'FAIL',
      ],
    ],
  );
  console.log(`\nMetaClaw learning benchmark — Node ${process.version}, ${os.cpus().length} CPUs`);
  console.log(
    `Conditions: ${N_EVOLUTIONS} sequential evolutions (1 failed turn each, judge 3 votes, verify off, debounce 0, library growing to ${app.skills.library.current().size} skills);`,
  );
  console.log(
    `serving load: closed loop, concurrency ${LOAD_CONCURRENCY}, ${LOAD_MS} ms per phase, ${ROUNDS} alternating quiet/busy pairs pooled, non-streaming; evolutions back to back during the second phase (fed by failures written to the store, evolver latency ${EVOLVER_LATENCY_MS} ms); fake LLM, proxy and load in one process.\n`,
  );
  console.log(table);
  console.log(
    `p99 ratio during/without: ${fmt(b.p99 / q.p99, 3)}; throughput ${fmt(quiet.throughput, 0)} vs ${fmt(busy.throughput, 0)} req/s; errors ${quiet.errors + busy.errors}`,
  );
  const causes = app.db.prepare('SELECT cause, COUNT(*) AS n FROM generations GROUP BY cause').all();
  console.log(`generations by cause: ${JSON.stringify(causes)}`);
  const json = {
    overhead: o,
    total: t,
    quiet: q,
    busy: b,
    evolutionsDuringLoad: during,
    conditions: { N_EVOLUTIONS, LOAD_CONCURRENCY, LOAD_MS },
  };
  await app.stop(1000);
  await fake.close();

  const perFailure = await evolutionsPerFailure();
  console.log(
    `\nEvolutions per distinct failure (goal 1): ${perFailure.distinct} rules, each task asked ${perFailure.rounds} times in new sessions (judge 3 votes, verify on, the fake agent follows a rule only when its skill is in the request):`,
  );
  console.log(
    renderTable(
      ['measure', 'value'],
      [
        ['evolutions applied per distinct failure', fmt(perFailure.applied / perFailure.distinct, 2)],
        ['evolutions run (any outcome)', String(perFailure.runs)],
        ['failed turns', String(perFailure.failedTurns)],
        [
          'task sessions that passed after their rule was learned',
          `${perFailure.passedAfter} of ${perFailure.askedAfter}`,
        ],
      ],
    ),
  );

  const now = defaultOptions();
  console.log(`\nInjection precision and recall on the rule scenario (bench/injection.ts):`);
  console.log(
    injectionTable([
      ['previous defaults', measureInjection({ ...now, ...PREVIOUS })],
      ['current defaults', measureInjection(now)],
    ]),
  );
  const fixtures = loadAgentFixtures();
  console.log(
    `\nRecorded agent traffic (bench/agent-traffic.ts): ${fixtures.map((f) => `${f.name} ${f.agentVersion}`).join(', ') || 'none'}`,
  );
  console.log(trafficTable(fixtures.flatMap(trafficRows)));
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync('bench/results/learning.json', JSON.stringify({ ...json, perFailure }, null, 2));
}

/**
 * Distinct failures that recur: each of a few rule tasks is asked again and again in new sessions.
 * Once a rule's skill is live, retrieval must inject it and the task passes, so each distinct
 * failure should cost exactly one applied evolution, never a loop of identical ones.
 */
async function evolutionsPerFailure() {
  const topics = ['weather in Lisbon', 'invoice totals in Lyon', 'train times to Porto'];
  const rounds = 4;
  const fake = await startFakeLlm();
  fake.script((req) => {
    const prompt = lastUserText(req);
    if (isJudge(req))
      return { text: prompt.includes('forgot the rule') ? 'Wrong.\nScore: -1' : 'Fine.\nScore: 1' };
    if (isEvolver(req)) {
      // The failed request, not the related skills the prompt also shows.
      const failed = /Request:\nuser: ([^\n]*)/.exec(prompt)?.[1] ?? '';
      const k = topics.findIndex((t) => failed.includes(t));
      return {
        text: JSON.stringify({
          ops: [
            {
              op: 'add',
              name: `rule-${k}`,
              description: `How to answer questions about ${topics[k]}`,
              body: `Always end the answer with RULE-${k}.`,
            },
          ],
        }),
      };
    }
    const k = topics.findIndex((t) => JSON.stringify(req.body).includes(t));
    return {
      text: JSON.stringify(req.body).includes(`RULE-${k}`)
        ? `Done. RULE-${k}`
        : 'Done, but I forgot the rule.',
    };
  });
  const app = await startApp(fake.url, 'metaclaw-bench-learning-loop-', true);
  const evolutions = new EvolutionRepository(app.db);
  let askedAfter = 0;
  let passedAfter = 0;
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < topics.length; k++) {
      const learned = app.skills.library.current().byName.has(`rule-${k}`);
      const r = await request(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-session-id': `loop-${round}-${k}`,
          'x-session-done': 'true',
        },
        body: JSON.stringify({
          model: 'agent',
          messages: [{ role: 'user', content: `What about the ${topics[k]}?` }],
        }),
      });
      const answer = await r.body.text();
      if (learned) {
        askedAfter++;
        if (answer.includes(`RULE-${k}`)) passedAfter++;
      }
      // Let the judgement and any evolution it starts finish before the next session.
      for (let i = 0; i < 200; i++) {
        const busy = app.db
          .prepare(`SELECT COUNT(*) AS n FROM jobs WHERE state IN ('pending', 'running')`)
          .get() as { n: number };
        if (busy.n === 0) break;
        await new Promise((res) => setTimeout(res, 25));
      }
    }
  }
  const all = evolutions.list(1000);
  if (process.env.BENCH_DEBUG)
    for (const e of all)
      console.log(
        e.id,
        e.outcome,
        (e as unknown as { reason?: string }).reason,
        JSON.stringify(e.verification).slice(0, 300),
      );
  const failedTurns = (
    app.db.prepare(`SELECT COUNT(*) AS n FROM rewards WHERE score < 0`).get() as { n: number }
  ).n;
  await app.stop(1000);
  await fake.close();
  return {
    distinct: topics.length,
    rounds,
    applied: all.filter((e) => e.outcome === 'applied').length,
    runs: all.length,
    failedTurns,
    askedAfter,
    passedAfter,
  };
}

/** A service in front of the fake LLM (agent model, judge and evolver), learning on, in a temp home. */
async function startApp(fakeUrl: string, prefix: string, verify: boolean): Promise<App> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const config = validateConfig({
    upstream: { provider: 'openai', base_url: `${fakeUrl}/v1`, api_key: 'k', model: 'agent' },
    judge: { enabled: true, votes: 3, model: 'judge' },
    evolution: { min_failures: 1000, debounce_ms: 0, verify },
    skills: { enabled: true },
    logging: { level: 'silent' },
  });
  const app = await App.create({
    loaded: { config, file: path.join(home, 'config.yaml'), home, fileExists: false },
    port: 0,
    env: {},
    log: pino({ level: 'silent' }),
  });
  await app.start();
  return app;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
