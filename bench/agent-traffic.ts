// Injection on recorded agent traffic (test/fixtures/agents/*.json: real OpenClaw, Claude Code and
// Codex requests): for each recording, the sessions MetaClaw forms, what retrieval is asked and
// injects, the share of calls in one tool loop whose block is byte-identical, injected tokens, and
// the prefix kept for the provider's prompt cache. Each placement is printed beside the previous
// request path (raw last user message as the query, block in the system prompt, no pins, raw-body
// session hashes), emulated here in the same run.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JsonObject, WireProtocol } from '../src/protocol/types.js';
import { buildView } from '../src/protocol/view.js';
import { BlockComposer, o200kCounter } from '../src/skills/budget.js';
import { scanFolder } from '../src/skills/folder.js';
import { insertBlock, type Placement, SkillInjector } from '../src/skills/inject.js';
import { SkillLibrary } from '../src/skills/library.js';
import { rankSkills } from '../src/skills/retrieval.js';
import { openStore } from '../src/store/db.js';
import { SkillRepository } from '../src/store/skill-repository.js';
import {
  type AgentFixture,
  cacheFigures,
  loadAgentFixtures,
  type ReplayedCall,
  replayCalls,
} from '../test/helpers/agent-replay.js';
import { defaultOptions } from './injection.js';
import { renderTable } from './lib/table.js';

export interface TrafficRow {
  fixture: string;
  setup: string;
  sessions: number;
  mainCalls: number;
  /** Main calls of each task whose injection included the skill learned for that task. */
  learnedOnTask: string;
  /** Other skills injected per main call (mean). */
  othersPerCall: number;
  tokensP50: number;
  tokensP95: number;
  identicalInLoop: string;
  prefixKept: string;
}

/**
 * Skills as the evolver would write them after a failure of each recorded task (the recordings all
 * run test/agents/scenario.ts: count the lines of notes.txt, then write a summary of it): in the
 * evolver's words, not the request's, beside the 13 starter skills.
 */
const LEARNED = [
  {
    name: 'report-line-counts',
    description: 'How to tell the user how many lines a file has',
    body: 'Count with `wc -l`, give the number first, then what the lines hold.',
  },
  {
    name: 'one-line-file-summaries',
    description: 'How to write a one-line summary of a file into another file',
    body: 'Read the file first; one sentence, no trailing newline; say which file you wrote.',
  },
];

function library() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metaclaw-bench-traffic-'));
  const db = openStore(path.join(dir, 'store.db'));
  const lib = new SkillLibrary(new SkillRepository(db));
  lib.load();
  lib.apply(
    [
      ...[...scanFolder(path.resolve('skills-starter')).skills.values()].map((s) => ({
        op: 'put' as const,
        doc: s.doc,
      })),
      ...LEARNED.map((l) => ({
        op: 'put' as const,
        doc: { frontmatter: { name: l.name, description: l.description }, body: l.body },
      })),
    ],
    'manual',
  );
  return {
    lib,
    close: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const counter = o200kCounter();

export function trafficRows(f: AgentFixture): TrafficRow[] {
  const rows: TrafficRow[] = [];
  for (const setup of ['previous', 'system', 'user'] as const) {
    const { lib, close } = library();
    const composer = new BlockComposer(counter);
    const options = {
      ...defaultOptions(),
      placement: (setup === 'previous' ? 'system' : setup) as Placement,
    };
    const injector = new SkillInjector(lib, composer, null, options);
    const calls =
      setup === 'previous'
        ? previousPath(f, lib, composer, options)
        : replayCalls(f.requests, injector, { useAgentSessionIds: true });
    const learnedIds = LEARNED.map((l) => lib.current().byName.get(l.name)!.id);
    const main = calls.filter((c) => c.kind === 'main');
    // The recording's tasks in order: the first request learns LEARNED[0], the second LEARNED[1].
    const tasks = [...new Set(calls.filter((c) => c.kind === 'main').map((c) => taskOf(c)))];
    let hits = 0;
    let others = 0;
    for (const c of main) {
      const k = tasks.indexOf(taskOf(c));
      if (c.injectedRevisionIds.includes(learnedIds[k]!)) hits++;
      others += c.injectedRevisionIds.filter((id) => id !== learnedIds[k]).length;
    }
    const tokens = main.map((c) => addedTokens(c, f.requests[c.index]!.body)).sort((a, b) => a - b);
    const cf = cacheFigures(calls, f.requests);
    rows.push({
      fixture: f.name,
      setup,
      sessions: new Set(calls.map((c) => c.sessionId)).size,
      mainCalls: main.length,
      learnedOnTask: `${hits}/${main.length}`,
      othersPerCall: main.length ? others / main.length : 0,
      tokensP50: tokens[Math.floor(tokens.length / 2)] ?? 0,
      tokensP95: tokens[Math.min(tokens.length - 1, Math.floor(tokens.length * 0.95))] ?? 0,
      identicalInLoop: `${(100 * cf.identicalInLoop).toFixed(0)} % of ${cf.loopPairs}`,
      prefixKept: `${(100 * cf.prefixKept).toFixed(1)} % of ${cf.pairs}`,
    });
    close();
  }
  return rows;
}

/** A main call's task: its user's request as the agent sent it (wrappers and all), by position. */
function taskOf(c: ReplayedCall): number {
  return c.view.humanTurns.length;
}

/** Tokens MetaClaw added to a call: in the system prompt and in any message (history blocks too). */
function addedTokens(c: ReplayedCall, original: JsonObject): number {
  if (c.sent === original) return 0;
  const a = buildView(c.protocol, original);
  const b = buildView(c.protocol, c.sent);
  let t = 0;
  if (a.system !== b.system) t += counter.count(b.system) - counter.count(a.system);
  a.items.forEach((it, i) => {
    const sent = b.items[i]?.text ?? '';
    if (sent !== it.text) t += counter.count(sent) - counter.count(it.text);
  });
  return t;
}

/**
 * The request path before this change: the query is the raw text of the last user message with
 * text (plus the last two other items, system messages included), the block goes into the system
 * prompt, every call is retrieved afresh, and sessions hash the raw items.
 */
function previousPath(
  f: AgentFixture,
  lib: SkillLibrary,
  composer: BlockComposer,
  options: ReturnType<typeof defaultOptions>,
): ReplayedCall[] {
  const calls = replayCalls(f.requests, null, { useAgentSessionIds: false });
  const sessions = new Map<string, string>();
  let n = 0;
  for (const c of calls) {
    const body = f.requests[c.index]!.body;
    const key = legacySession(c.protocol, body, sessions);
    c.sessionId = key ?? `s${n++}`;
    if (c.kind !== 'main') continue;
    const ranked = rankSkills(lib.current(), lib.index, null, legacyQuery(c.protocol, body), {
      ...options,
      requireHeadMatch: false,
      fullMinCoverage: 0,
      minRelative: 0.3,
    });
    const block = composer.compose(ranked, options);
    if (block) {
      c.sent = insertBlock(c.protocol, body, block.text);
      c.injectedRevisionIds = block.revisionIds;
    }
  }
  return calls;
}

/** Previous inference: a request continues a session whose last request's raw items it repeats. */
function legacySession(protocol: WireProtocol, body: JsonObject, open: Map<string, string>): string | null {
  const items: unknown[] = [];
  if (protocol === 'anthropic-messages' && body.system !== undefined) items.push({ system: body.system });
  if (protocol === 'openai-responses' && typeof body.instructions === 'string')
    items.push({ instructions: body.instructions });
  const list = protocol === 'openai-responses' ? body.input : body.messages;
  if (Array.isArray(list)) items.push(...list);
  const hashes: string[] = [];
  let prev = '';
  for (const it of items) {
    prev = crypto
      .createHash('sha1')
      .update(prev + JSON.stringify(it))
      .digest('base64url');
    hashes.push(prev);
  }
  let id: string | null = null;
  for (let k = hashes.length - 2; k >= 0 && !id; k--) id = open.get(hashes[k]!) ?? null;
  id ??= `legacy-${open.size}`;
  if (hashes.length > 0) open.set(hashes.at(-1)!, id);
  return id;
}

function legacyQuery(protocol: WireProtocol, body: JsonObject) {
  const list = (protocol === 'openai-responses' ? body.input : body.messages) as
    | JsonObject[]
    | string
    | undefined;
  const items =
    typeof list === 'string' ? [{ role: 'user', content: list }] : Array.isArray(list) ? list : [];
  const text = (m: JsonObject) =>
    typeof m.content === 'string'
      ? m.content
      : Array.isArray(m.content)
        ? (m.content as JsonObject[]).map((p) => (typeof p?.text === 'string' ? p.text : '')).join('\n')
        : '';
  let primaryAt = -1;
  for (let i = items.length - 1; i >= 0; i--) {
    if (items[i]?.role === 'user' && text(items[i]!).trim()) {
      primaryAt = i;
      break;
    }
  }
  const context: string[] = [];
  for (let i = items.length - 1; i >= 0 && context.length < 2; i--) {
    if (i !== primaryAt && text(items[i]!).trim()) context.push(text(items[i]!).slice(0, 500));
  }
  return {
    primary: primaryAt >= 0 ? text(items[primaryAt]!).slice(0, 2000) : '',
    context: context.join('\n'),
  };
}

export function trafficTable(rows: TrafficRow[]): string {
  return renderTable(
    [
      'recording',
      'request path',
      'sessions',
      'calls with the task’s learned skill',
      'other skills / call',
      'tokens p50 / p95',
      'identical block in tool loop',
      'prefix kept',
    ],
    rows.map((r) => [
      r.fixture,
      r.setup,
      String(r.sessions),
      r.learnedOnTask,
      r.othersPerCall.toFixed(1),
      `${r.tokensP50} / ${r.tokensP95}`,
      r.identicalInLoop,
      r.prefixKept,
    ]),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fixtures = loadAgentFixtures();
  console.log(
    `Recorded agent traffic: ${fixtures.map((f) => `${f.name} (${f.agent} ${f.agentVersion}, ${f.requests.length} calls)`).join(', ')}`,
  );
  for (const f of fixtures) {
    const calls = replayCalls(f.requests, null);
    console.log(`\n${f.name}: what retrieval is asked per main call`);
    for (const c of calls.filter((x) => x.kind === 'main'))
      console.log(
        `  #${c.index} ${c.view.agent} ${JSON.stringify(c.view.request.slice(0, 70))}${c.view.toolLoop ? ' (tool loop)' : ''}`,
      );
  }
  console.log(`\n${trafficTable(fixtures.flatMap(trafficRows))}`);
}
