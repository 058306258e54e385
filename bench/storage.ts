// Storage benchmark (issue 16 point 8): bytes stored per turn and write cost per turn for a
// 100-call agent session, inline bodies (the format before migration 009) against content-
// addressed parts, in the same run, through TurnRepository.insert (one transaction per turn, as
// the recorder commits a turn that finishes alone).
//   A: a 60 KB tool list, a 2 KB system prompt and a history that grows by ~1.5 KB a call;
//   B: the recorded OpenClaw request shape (test/fixtures/agents/openclaw-anthropic.json: a 49 KB
//      system prompt, 12 tools), its history growing call by call.
// As sent = as received plus an injected skills block in the system prompt; answers ~600 B.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../src/store/db.js';
import { storeStats } from '../src/store/stats.js';
import { type TurnRecord, TurnRepository } from '../src/store/turns.js';
import { fmt, summarize } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Sessions written one after another into the same store per run: write cost as the store grows. */
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 3);

let seed = 11;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const WORDS =
  'file path read write search replace command shell output error test build module function class value return argument option config network request response token buffer stream parse format retry timeout cache index schema record session agent tool result'.split(
    ' ',
  );
/** Prose-like text (compresses like real descriptions, not like a repeated string). */
const prose = (chars: number) => {
  let s = '';
  while (s.length < chars) s += `${WORDS[Math.floor(rnd() * WORDS.length)]}${rnd() < 0.1 ? '. ' : ' '}`;
  return s.slice(0, chars);
};

interface Scenario {
  name: string;
  /** The request body of call `i` (0-based), as received. */
  request(i: number): Record<string, unknown>;
}

function syntheticScenario(): Scenario {
  const tools = Array.from({ length: 12 }, (_, i) => ({
    name: `tool_${i}`,
    description: prose(4200),
    input_schema: {
      type: 'object',
      properties: { path: { type: 'string', description: prose(300) }, args: { type: 'string' } },
      required: ['path'],
    },
  }));
  const system = prose(2000);
  const history: unknown[] = [];
  const turns: Record<string, unknown>[] = [];
  for (let i = 0; i < CALLS; i++) {
    history.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: `call_${i}`, content: prose(900) }],
    });
    turns.push({ model: 'claude-x', max_tokens: 4096, stream: true, system, tools, messages: [...history] });
    history.push({
      role: 'assistant',
      content: [
        { type: 'text', text: prose(300) },
        { type: 'tool_use', id: `call_${i + 1}`, name: `tool_${i % 12}`, input: { path: prose(40) } },
      ],
    });
  }
  return { name: 'A: 60 KB tools, growing history', request: (i) => turns[i]! };
}

function openclawScenario(): Scenario {
  const file = path.resolve(import.meta.dirname, '../test/fixtures/agents/openclaw-anthropic.json');
  const fixture = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    requests: { body: Record<string, unknown> }[];
  };
  const last = fixture.requests.at(-1)!.body;
  const recorded = last.messages as { role: string; content: unknown }[];
  const history: unknown[] = [];
  const turns: Record<string, unknown>[] = [];
  for (let i = 0; i < CALLS; i++) {
    // The recorded exchanges, replayed with the call number so each message is new.
    const m = recorded[(2 * i) % recorded.length]!;
    history.push({ ...m, content: `${JSON.stringify(m.content)} #${i} ${prose(200)}` });
    turns.push({ ...last, messages: [...history] });
    history.push({ role: 'assistant', content: `${prose(400)} #${i}` });
  }
  return { name: 'B: OpenClaw fixture shape', request: (i) => turns[i]! };
}

const BLOCK = `<skills>\n${prose(1500)}\n</skills>`;
function asSent(body: Record<string, unknown>): Record<string, unknown> {
  const sys = body.system;
  if (Array.isArray(sys)) return { ...body, system: [...sys, { type: 'text', text: BLOCK }] };
  return { ...body, system: `${String(sys ?? '')}\n\n${BLOCK}` };
}

interface Result {
  /** Store growth per turn of the first session (file size after a WAL checkpoint). */
  bytesPerTurn: number;
  rawRequestPerTurn: number;
  rawAllPerTurn: number;
  /** Write cost of the first session's turns, and of the later sessions' (a grown store). */
  writeUs: number[];
  laterUs: number[];
  dedup: string;
}

function run(s: Scenario, inline: boolean): Result {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metaclaw-bench-storage-'));
  const file = path.join(dir, 'm.db');
  const db = openStore(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const empty = fs.statSync(file).size;
  const repo = new TurnRepository(db, { inlineBodies: inline });
  const first = session(s, repo, 's0');
  const st = storeStats(db, file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const size = fs.statSync(file).size - empty;
  const laterUs: number[] = [];
  for (let k = 1; k < SESSIONS; k++) laterUs.push(...session(s, repo, `s${k}`).writeUs);
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const stored = st.partStoredBytes + st.manifestBytes;
  return {
    bytesPerTurn: size / CALLS,
    rawRequestPerTurn: first.rawRequest / CALLS,
    rawAllPerTurn: first.rawAll / CALLS,
    writeUs: first.writeUs,
    laterUs,
    dedup: inline ? '-' : `${fmt(st.logicalBytes / stored, 1)}x`,
  };
}

/** One CALLS-call session through repo.insert; checks every turn reads back identical. */
function session(s: Scenario, repo: TurnRepository, sessionId: string) {
  const writeUs: number[] = [];
  let rawRequest = 0;
  let rawAll = 0;
  const written: TurnRecord[] = [];
  for (let i = 0; i < CALLS; i++) {
    const body = s.request(i);
    const requestJson = JSON.stringify(body);
    const upstreamRequestJson = JSON.stringify(asSent(body));
    const responseJson = JSON.stringify({
      id: `msg_${i}`,
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: prose(500) }],
      usage: { input_tokens: 1000 + i, output_tokens: 150 },
    });
    rawRequest += Buffer.byteLength(requestJson);
    rawAll +=
      Buffer.byteLength(requestJson) +
      Buffer.byteLength(upstreamRequestJson) +
      Buffer.byteLength(responseJson);
    const t: TurnRecord = {
      id: `${sessionId}-${i}`,
      sessionId,
      seq: i + 1,
      kind: 'main',
      protocol: 'anthropic-messages',
      upstreamProtocol: 'anthropic-messages',
      model: 'claude-x',
      stream: true,
      requestJson,
      upstreamRequestJson,
      responseJson,
      status: 'ok',
      httpStatus: 200,
      error: null,
      startedAt: Date.now(),
      latencyMs: 100,
      ttftMs: 20,
      usageJson: '{"input_tokens":1000,"output_tokens":150}',
      libraryGeneration: 1,
      injectedRevisionIds: [1, 2],
      policyVersion: null,
      promptTokenIds: null,
      responseTokenIds: null,
      responseLogprobs: null,
    };
    const session =
      i === 0 ? { create: { client: 'bench', source: 'header' as const, at: t.startedAt } } : {};
    const t0 = performance.now();
    repo.insert(t, session);
    writeUs.push((performance.now() - t0) * 1000);
    written.push(t);
  }
  // Every turn must read back identical, or the figures mean nothing.
  const back = repo.listBySession(sessionId);
  for (let i = 0; i < written.length; i++) {
    const a = written[i]!;
    const b = back[i]!;
    if (
      a.requestJson !== b.requestJson ||
      a.upstreamRequestJson !== b.upstreamRequestJson ||
      a.responseJson !== b.responseJson
    )
      throw new Error(`${sessionId} turn ${i} did not read back identical`);
  }
  return { writeUs, rawRequest, rawAll };
}

const rows: string[][] = [];
for (const make of [syntheticScenario, openclawScenario]) {
  const s = make();
  const pooled = {
    inline: { first: [] as number[], later: [] as number[] },
    parts: { first: [] as number[], later: [] as number[] },
  };
  let last: Record<'inline' | 'parts', Result> | null = null;
  // Alternate formats round by round, so drift of a shared machine hits both alike.
  for (let r = 0; r < ROUNDS; r++) {
    const inline = run(s, true);
    const parts = run(s, false);
    if (r > 0 || ROUNDS === 1) {
      for (const [k, res] of [
        ['inline', inline],
        ['parts', parts],
      ] as const) {
        pooled[k].first.push(...res.writeUs);
        pooled[k].later.push(...res.laterUs);
      }
    }
    last = { inline, parts };
  }
  for (const k of ['inline', 'parts'] as const) {
    const res = last![k];
    const w = summarize(pooled[k].first);
    const later = pooled[k].later;
    rows.push([
      s.name,
      k === 'inline' ? 'before (inline rows)' : 'after (parts)',
      fmt(res.rawRequestPerTurn / 1024, 1),
      fmt(res.rawAllPerTurn / 1024, 1),
      fmt(res.bytesPerTurn / 1024, 2),
      `${fmt((100 * res.bytesPerTurn) / res.rawRequestPerTurn, 1)}%`,
      res.dedup,
      fmt(w.p50, 0),
      fmt(percentileOf(pooled[k].first, 95), 0),
      later.length ? fmt(summarize(later).p50, 0) : '-',
      later.length ? fmt(percentileOf(later, 95), 0) : '-',
    ]);
  }
}

function percentileOf(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

console.log(
  `storage per turn: ${CALLS}-call sessions, ${SESSIONS} per store, ${ROUNDS} rounds per format alternating ` +
    `(write cost pooled over rounds 2..${ROUNDS}); stored = file growth over session 1 after a WAL checkpoint; ` +
    `node ${process.version}, ${os.cpus().length} cores`,
);
console.log(
  renderTable(
    [
      'scenario',
      'format',
      'raw req KB/turn',
      'raw req+sent+resp KB/turn',
      'stored KB/turn',
      'stored/raw req',
      'dedup',
      'write p50 µs',
      'write p95 µs',
      `p50 µs, sessions 2-${SESSIONS}`,
      'p95 µs',
    ],
    rows,
  ),
);
