import type Database from 'better-sqlite3';
import type { Db } from './db.js';
import type { RewardSource } from './rewards.js';
import { type SessionEndReason, type SessionRecord, sessionFromRow } from './sessions.js';
import { TurnPartStore } from './turn-parts.js';
import { type TurnRecord, type TurnRow, turnFromRow } from './turns.js';

/**
 * The dashboard's reads of sessions and their turns (`/v1/admin/sessions*`, `/v1/admin/turns/:id`).
 * The session list reads only the sessions table: its counters (migration 008) are kept by
 * triggers, so filters and totals never touch turns, whatever their number.
 */
export interface SessionFilter {
  agent?: string;
  /** started_at bounds, epoch ms (since inclusive, until exclusive). */
  since?: number;
  until?: number;
  failed?: boolean;
  judged?: boolean;
  feedback?: boolean;
}

/** A session row with the dashboard counters. */
export interface SessionSummaryRow extends SessionRecord {
  errorTurns: number;
  judgedTurns: number;
  judgeFailures: number;
  rewardSum: number;
  feedbackCount: number;
}

/** A stored reward, raw (votes still JSON text). */
export interface TurnRewardRow {
  turnId: string;
  source: RewardSource;
  score: number;
  votes: unknown;
  rationale: string | null;
  /** Each judge vote's rationale (null on rows stored before migration 012). */
  voteRationales: string[] | null;
  createdAt: number;
}

interface CounterRow {
  id: string;
  client: string | null;
  source: 'header' | 'inferred';
  started_at: number;
  last_activity_at: number;
  ended_at: number | null;
  end_reason: SessionEndReason | null;
  turn_count: number;
  prefix_hash: string | null;
  prefix_len: number | null;
  error_turns: number;
  judged_turns: number;
  judge_failures: number;
  reward_sum: number;
  feedback_count: number;
}

/** Chunk size for `IN (…)` lists: well under SQLite's bound-parameter limit. */
const IN_CHUNK = 500;

export class SessionListRepository {
  private readonly byId;
  private readonly turnPage;
  private readonly nextMain;
  private readonly turnCount;
  private readonly parts: TurnPartStore;
  /** Statements built per call (`IN (?, …)`, filters), by text: compiling costs more than running. */
  private readonly inStmts = new Map<string, Database.Statement<unknown[]>>();

  constructor(private readonly db: Db) {
    this.parts = new TurnPartStore(db);
    this.byId = db.prepare('SELECT * FROM sessions WHERE id = ?');
    // UNIQUE(session_id, seq) is the index for both.
    this.turnPage = db.prepare('SELECT * FROM turns WHERE session_id = ? ORDER BY seq LIMIT ? OFFSET ?');
    this.nextMain = db.prepare(
      `SELECT * FROM turns WHERE session_id = ? AND seq > ? AND kind = 'main' ORDER BY seq LIMIT 1`,
    );
    this.turnCount = db.prepare('SELECT COUNT(*) AS n FROM turns WHERE session_id = ?');
  }

  /** Newest first (started_at DESC, id): served by sessions_started / sessions_client_started. */
  list(f: SessionFilter, limit: number, offset: number): SessionSummaryRow[] {
    const q = sessionListQuery(f, limit, offset);
    return (this.inStmt(q.sql).all(...q.args) as CounterRow[]).map(fromCounterRow);
  }

  count(f: SessionFilter): number {
    const q = sessionCountQuery(f);
    return (this.inStmt(q.sql).get(...q.args) as { n: number }).n;
  }

  get(id: string): SessionSummaryRow | undefined {
    const row = this.byId.get(id) as CounterRow | undefined;
    return row ? fromCounterRow(row) : undefined;
  }

  /** Recorded turns of a session (sessions.turn_count is the highest seq, which may skip lost turns). */
  countTurns(sessionId: string): number {
    return (this.turnCount.get(sessionId) as { n: number }).n;
  }

  turns(sessionId: string, limit: number, offset: number): TurnRecord[] {
    const cache = new Map<number, string>();
    return (this.turnPage.all(sessionId, limit, offset) as TurnRow[]).map((r) =>
      turnFromRow(r, this.parts, cache),
    );
  }

  /** The session's next main turn after `seq`: its request holds what came after that turn. */
  nextMainTurn(sessionId: string, seq: number): TurnRecord | undefined {
    const row = this.nextMain.get(sessionId, seq) as TurnRow | undefined;
    return row ? turnFromRow(row, this.parts) : undefined;
  }

  /** Every reward of these turns, oldest first (rewards_turn index). */
  rewardsFor(turnIds: readonly string[]): TurnRewardRow[] {
    const out: TurnRewardRow[] = [];
    for (const ids of chunks(turnIds)) {
      const rows = this.inStmt(
        `SELECT turn_id, source, score, votes, rationale, vote_rationales, created_at FROM rewards
         WHERE turn_id IN (${ids.map(() => '?').join(',')}) ORDER BY id`,
      ).all(...ids) as {
        turn_id: string;
        source: RewardSource;
        score: number;
        votes: string | null;
        rationale: string | null;
        vote_rationales: string | null;
        created_at: number;
      }[];
      for (const r of rows)
        out.push({
          turnId: r.turn_id,
          source: r.source,
          score: r.score,
          votes: parseJson(r.votes),
          rationale: r.rationale,
          voteRationales: (parseJson(r.vote_rationales) as string[] | null) ?? null,
          createdAt: r.created_at,
        });
    }
    return out;
  }

  /** Skill names of these revision ids. */
  revisionNames(revisionIds: readonly number[]): Map<number, string> {
    const names = new Map<number, string>();
    for (const ids of chunks([...new Set(revisionIds)])) {
      const rows = this.inStmt(
        `SELECT id, name FROM skill_revisions WHERE id IN (${ids.map(() => '?').join(',')})`,
      ).all(...ids) as { id: number; name: string }[];
      for (const r of rows) names.set(r.id, r.name);
    }
    return names;
  }

  private inStmt(sql: string) {
    let st = this.inStmts.get(sql);
    if (!st) {
      // Page sizes vary; a bounded cache keeps the common ones (1 for live events, the default page).
      if (this.inStmts.size >= 64) this.inStmts.clear();
      st = this.db.prepare<unknown[]>(sql);
      this.inStmts.set(sql, st);
    }
    return st;
  }
}

/** The list's SQL (exported so a test can check its query plan never touches turns). */
export function sessionListQuery(f: SessionFilter, limit: number, offset: number) {
  const { where, args } = whereClause(f);
  return {
    sql: `SELECT * FROM sessions ${where} ORDER BY started_at DESC, id LIMIT ? OFFSET ?`,
    args: [...args, limit, offset],
  };
}

export function sessionCountQuery(f: SessionFilter) {
  const { where, args } = whereClause(f);
  return { sql: `SELECT COUNT(*) AS n FROM sessions ${where}`, args };
}

function whereClause(f: SessionFilter): { where: string; args: (string | number)[] } {
  const conds: string[] = [];
  const args: (string | number)[] = [];
  if (f.agent !== undefined) {
    conds.push('client = ?');
    args.push(f.agent);
  }
  if (f.since !== undefined) {
    conds.push('started_at >= ?');
    args.push(f.since);
  }
  if (f.until !== undefined) {
    conds.push('started_at < ?');
    args.push(f.until);
  }
  // Counter filters are evaluated on the rows the started_at / client index yields.
  if (f.failed) conds.push('(error_turns > 0 OR judge_failures > 0)');
  if (f.judged) conds.push('judged_turns > 0');
  if (f.feedback) conds.push('feedback_count > 0');
  return { where: conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '', args };
}

function fromCounterRow(r: CounterRow): SessionSummaryRow {
  return {
    ...sessionFromRow(r),
    errorTurns: r.error_turns,
    judgedTurns: r.judged_turns,
    judgeFailures: r.judge_failures,
    rewardSum: r.reward_sum,
    feedbackCount: r.feedback_count,
  };
}

function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += IN_CHUNK) out.push(xs.slice(i, i + IN_CHUNK));
  return out;
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
