import { nextStateFrom } from '../learning/turn-view.js';
import type { JsonObject } from '../protocol/types.js';
import { buildView } from '../protocol/view.js';
import { usageTokens } from '../server/proxy/request-log.js';
import type { SessionListRepository, TurnRewardRow } from '../store/session-list.js';
import type { TurnRecord } from '../store/turns.js';
import { answerOf } from './answer.js';
import type { JudgeVote, TurnDetail, TurnSummary } from './contract.js';
import { turnView } from './raw-turn.js';

/** What a page of summaries needs from the store, fetched once for the whole page. */
interface PageContext {
  names: Map<number, string>;
  rewards: Map<string, TurnRewardRow[]>;
  /** Main turn id → the session's next main turn (absent: none recorded yet). */
  next: Map<string, TurnRecord>;
}

/**
 * TurnSummary for a page of one session's turns (seq order): one query each for rewards, skill
 * names and the next main turn past the page, whatever the page size. Used by the session detail,
 * the turn detail and the live `turn` event, so all three read a turn the same way.
 */
export function summarizeTurns(
  repo: SessionListRepository,
  turns: readonly TurnRecord[],
  /** Just stored (live events): no reward or later turn can exist yet, so none is looked up. */
  fresh = false,
): TurnSummary[] {
  const ctx = fresh
    ? {
        names: repo.revisionNames(turns.flatMap((t) => t.injectedRevisionIds)),
        rewards: new Map(),
        next: new Map(),
      }
    : pageContext(repo, turns);
  return turns.map((t) => summarize(t, ctx));
}

/** `GET /v1/admin/turns/:id`: the summary, the older camelCase record fields and the raw JSON. */
export function turnDetail(repo: SessionListRepository, turn: TurnRecord): TurnDetail {
  return { ...turnView(turn), ...summarizeTurns(repo, [turn])[0]! } as TurnDetail;
}

function pageContext(repo: SessionListRepository, turns: readonly TurnRecord[]): PageContext {
  const rewards = new Map<string, TurnRewardRow[]>();
  for (const r of repo.rewardsFor(turns.map((t) => t.id))) {
    const list = rewards.get(r.turnId) ?? [];
    list.push(r);
    rewards.set(r.turnId, list);
  }
  const names = repo.revisionNames(turns.flatMap((t) => t.injectedRevisionIds));
  const next = new Map<string, TurnRecord>();
  // Walking back, each main turn's next is the last main turn seen; past the page's end, ask the store.
  let following: TurnRecord | undefined;
  let lastMain: TurnRecord | undefined;
  for (let i = turns.length - 1; i >= 0; i--) {
    const t = turns[i]!;
    if (t.kind !== 'main') continue;
    if (following) next.set(t.id, following);
    else lastMain = t;
    following = t;
  }
  if (lastMain) {
    const after = repo.nextMainTurn(lastMain.sessionId, lastMain.seq);
    if (after) next.set(lastMain.id, after);
  }
  return { names, rewards, next };
}

function summarize(t: TurnRecord, ctx: PageContext): TurnSummary {
  const tokens = usageTokens(t.usageJson);
  const rewards = ctx.rewards.get(t.id) ?? [];
  const judged = rewards.find((r) => r.source === 'judge');
  const next = ctx.next.get(t.id);
  return {
    id: t.id,
    session_id: t.sessionId,
    index: t.seq,
    kind: t.kind,
    protocol: t.protocol,
    model: t.model,
    status: t.status,
    error: t.error,
    latency_ms: t.latencyMs,
    created_at: t.startedAt,
    input_tokens: tokens.in ?? null,
    output_tokens: tokens.out ?? null,
    generation: t.libraryGeneration,
    policy_version: t.policyVersion,
    request_text: requestText(t),
    answer: answerOf(t.protocol, parse(t.responseJson)),
    injected_skills: t.injectedRevisionIds.map((id) => ctx.names.get(id) ?? `revision ${id}`),
    judge: judged ? { score: judged.score, votes: votesOf(judged) } : null,
    feedback: rewards
      .filter((r) => r.source !== 'judge')
      .map((r) => ({ score: r.score, comment: r.rationale, created_at: r.createdAt })),
    next_state_text: next ? nextStateText(next) : null,
  };
}

/** The human's words of the turn's latest request, agent wrappers and injected skills stripped. */
function requestText(t: TurnRecord): string {
  const body = parse(t.requestJson);
  if (!body || typeof body !== 'object') return '';
  try {
    return buildView(t.protocol, body as JsonObject).request;
  } catch {
    return '';
  }
}

/** What the judge saw as the next state: the new items of the next main request. */
function nextStateText(next: TurnRecord): string | null {
  try {
    return nextStateFrom(next).text || null;
  } catch {
    return null;
  }
}

/**
 * Each vote with its score and its own rationale (stored since migration 012). Older rows kept one
 * rationale, from the first vote agreeing with the majority: that vote carries it.
 */
function votesOf(r: TurnRewardRow): JudgeVote[] {
  const raw = Array.isArray(r.votes) ? (r.votes as StoredVote[]) : [];
  const own = r.voteRationales;
  if (own && own.length === raw.length)
    return raw.map((v, i) => ({ score: typeof v === 'number' ? v : null, rationale: own[i] ?? '' }));
  const rationale = r.rationale ?? '';
  if (raw.length === 0) return rationale ? [{ score: r.score, rationale }] : [];
  // Numbers as Judge stores them today; objects, should a vote ever be stored with its own rationale.
  const votes = raw.map((v) =>
    v !== null && typeof v === 'object'
      ? { score: typeof v.score === 'number' ? v.score : null, own: v.rationale ?? null }
      : { score: typeof v === 'number' ? v : null, own: null },
  );
  const carrier = Math.max(
    0,
    votes.findIndex((v) => v.score === r.score),
  );
  return votes.map((v, i) => ({ score: v.score, rationale: v.own ?? (i === carrier ? rationale : '') }));
}

type StoredVote = number | null | { score?: number | null; rationale?: string };

function parse(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
