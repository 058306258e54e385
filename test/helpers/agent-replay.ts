import fs from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import type { JsonObject, WireProtocol } from '../../src/protocol/types.js';
import { buildView, type ConversationView } from '../../src/protocol/view.js';
import { classifyTurn } from '../../src/sessions/classify.js';
import { chainedPrefixHashes } from '../../src/sessions/prefix-hash.js';
import { SessionTracker } from '../../src/sessions/tracker.js';
import type { SkillInjector } from '../../src/skills/inject.js';
import { openStore } from '../../src/store/db.js';
import { SessionRepository } from '../../src/store/sessions.js';
import type { TurnKind } from '../../src/store/turns.js';

/** One request as a real agent sent it (test/fixtures/agents/*.json, recorded by test/agents/record.ts). */
export interface RecordedAgentRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: JsonObject;
}

export interface AgentFixture {
  name: string;
  agent: string;
  agentVersion: string;
  mode?: string;
  requests: RecordedAgentRequest[];
}

/** Recordings (another folder with METACLAW_AGENT_FIXTURES, e.g. a fresh `agents:record` run). */
export const FIXTURE_DIR = path.resolve(process.env.METACLAW_AGENT_FIXTURES ?? 'test/fixtures/agents');

export function loadAgentFixtures(): AgentFixture[] {
  if (!fs.existsSync(FIXTURE_DIR)) return [];
  return fs
    .readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      name: f.replace(/\.json$/, ''),
      ...JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, f), 'utf8')),
    }));
}

export function protocolOf(p: string): WireProtocol | null {
  const pathname = p.split('?')[0];
  if (pathname === '/v1/messages') return 'anthropic-messages';
  if (pathname === '/v1/chat/completions') return 'openai-chat';
  if (pathname === '/v1/responses') return 'openai-responses';
  return null;
}

export interface ReplayedCall {
  index: number;
  protocol: WireProtocol;
  view: ConversationView;
  kind: TurnKind;
  sessionId: string;
  /** Session + hash of the conversation through the user's request: one per task. */
  taskKey: string | null;
  /** The body as MetaClaw would send it on (client protocol). */
  sent: JsonObject;
  injectedRevisionIds: number[];
  libraryGeneration: number;
}

/**
 * Replay an agent's recorded LLM calls through what the proxy does per request — the view, turn
 * kind, session tracker and injector — without HTTP or an upstream.
 */
export function replayCalls(
  requests: RecordedAgentRequest[],
  injector: SkillInjector | null,
  o: { useAgentSessionIds?: boolean; now?: number } = {},
): ReplayedCall[] {
  const db = openStore(':memory:');
  const tracker = new SessionTracker(new SessionRepository(db), db, 3_600_000);
  const out: ReplayedCall[] = [];
  let now = o.now ?? 1_700_000_000_000;
  requests.forEach((r, index) => {
    const protocol = protocolOf(r.path);
    if (!protocol || r.method !== 'POST') return;
    const headers = lower(r.headers);
    now += 1000;
    const view = buildView(protocol, r.body, headers);
    const kind = classifyTurn(view, headers['x-turn-type'] as string | undefined);
    const prefixHashes = chainedPrefixHashes(view.stable);
    const headerId =
      (headers['x-session-id'] as string | undefined) ??
      (o.useAgentSessionIds === false ? undefined : (view.agentSessionId ?? undefined));
    const a = tracker.resolve({
      headerId,
      client: String(headers['user-agent'] ?? '').split(/[\s/]/)[0] || null,
      kind,
      prefixHashes,
      now,
    });
    const last = view.humanTurns.at(-1);
    const inj = injector?.inject(r.body, { view, kind, sessionId: a.sessionId, prefixHashes });
    out.push({
      index,
      protocol,
      view,
      kind,
      sessionId: a.sessionId,
      taskKey: last ? `${a.sessionId}|${prefixHashes[last.stableLength - 1]}` : null,
      sent: inj?.body ?? r.body,
      injectedRevisionIds: inj?.injectedRevisionIds ?? [],
      libraryGeneration: inj?.libraryGeneration ?? 0,
    });
  });
  db.close();
  return out;
}

function lower(h: Record<string, string>): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

/**
 * The request as the provider reads it for prompt caching, in its order: tools, then system, then
 * the conversation (Anthropic); tools then messages (Chat); tools, instructions, input (Responses).
 */
export function cacheOrder(protocol: WireProtocol, body: JsonObject): string {
  const list = protocol === 'openai-responses' ? body.input : body.messages;
  const conversation = Array.isArray(list) ? list.map(canonicalItem) : (list ?? null);
  if (protocol === 'anthropic-messages')
    return JSON.stringify([body.tools ?? null, canonicalContent(body.system ?? null), conversation], noMarks);
  if (protocol === 'openai-responses')
    return JSON.stringify([body.tools ?? null, body.instructions ?? null, conversation], noMarks);
  return JSON.stringify([body.tools ?? null, conversation], noMarks);
}

/**
 * What the provider renders: a string content is one text block, and `cache_control` marks are
 * breakpoints, not content (agents move them from call to call).
 */
function canonicalItem(item: unknown): unknown {
  if (!item || typeof item !== 'object') return item;
  const m = item as JsonObject;
  return 'content' in m ? { ...m, content: canonicalContent(m.content) } : m;
}

function canonicalContent(c: unknown): unknown {
  return typeof c === 'string' ? [{ type: 'text', text: c }] : c;
}

const noMarks = (k: string, v: unknown) => (k === 'cache_control' ? undefined : v);

export function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

export interface CacheFigures {
  /** Σ LCP(consecutive main requests as sent) / Σ LCP(the same as the agent sent them). */
  prefixKept: number;
  pairs: number;
  /** Consecutive calls of one task whose injected block was byte-identical, of all such pairs. */
  identicalInLoop: number;
  loopPairs: number;
}

/** Prefix kept and block stability over the main calls of each session, in order. */
export function cacheFigures(calls: ReplayedCall[], original: RecordedAgentRequest[]): CacheFigures {
  let sent = 0;
  let agent = 0;
  let pairs = 0;
  let loopPairs = 0;
  let identical = 0;
  const lastBySession = new Map<string, ReplayedCall>();
  for (const c of calls) {
    if (c.kind !== 'main') continue;
    const prev = lastBySession.get(c.sessionId);
    lastBySession.set(c.sessionId, c);
    if (!prev || prev.protocol !== c.protocol) continue;
    pairs++;
    sent += commonPrefix(cacheOrder(c.protocol, prev.sent), cacheOrder(c.protocol, c.sent));
    agent += commonPrefix(
      cacheOrder(c.protocol, original[prev.index]!.body),
      cacheOrder(c.protocol, original[c.index]!.body),
    );
    if (prev.taskKey && prev.taskKey === c.taskKey) {
      loopPairs++;
      if (blockOf(prev) === blockOf(c)) identical++;
    }
  }
  return {
    prefixKept: agent > 0 ? sent / agent : 1,
    pairs,
    identicalInLoop: loopPairs > 0 ? identical / loopPairs : 1,
    loopPairs,
  };
}

/**
 * What carries the injected block in a call: the user's request message and the system prompt as
 * sent (moved `cache_control` marks ignored). Within one task the agent resends both unchanged, so
 * any difference is a difference in the block.
 */
function blockOf(c: ReplayedCall): string {
  const list = c.protocol === 'openai-responses' ? c.sent.input : c.sent.messages;
  const it = c.view.items[c.view.requestItem];
  const msg = Array.isArray(list) && it ? canonicalItem(list[it.at]) : null;
  const system =
    c.protocol === 'anthropic-messages'
      ? canonicalContent(c.sent.system)
      : c.protocol === 'openai-responses'
        ? c.sent.instructions
        : Array.isArray(list)
          ? (list as JsonObject[]).filter((m) => m?.role === 'system' || m?.role === 'developer')
          : null;
  return JSON.stringify([msg, system], noMarks);
}
