import type { Db } from './db.js';

export type RewardSource = 'judge' | 'user' | 'env';

export interface RewardRecord {
  id: number;
  turnId: string;
  source: RewardSource;
  score: number;
  votes: unknown;
  rationale: string | null;
  createdAt: number;
}

interface RewardRow {
  id: number;
  turn_id: string;
  source: RewardSource;
  score: number;
  votes: string | null;
  rationale: string | null;
  created_at: number;
}

/**
 * Rewards per turn. A turn has at most one judge reward (a unique index makes a second judging a
 * no-op); explicit user feedback may be given any number of times and the latest one wins.
 */
export class RewardRepository {
  constructor(private readonly db: Db) {}

  /** Insert; returns the new id, or null when the turn already had a judge reward. */
  insert(r: {
    turnId: string;
    source: RewardSource;
    score: number;
    votes?: unknown;
    rationale?: string | null;
    /** The judge's per-vote rationales, in vote order. */
    voteRationales?: string[];
    at?: number;
  }): number | null {
    const res = this.db
      .prepare(
        'INSERT OR IGNORE INTO rewards (turn_id, source, score, votes, rationale, vote_rationales, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        r.turnId,
        r.source,
        r.score,
        r.votes === undefined ? null : JSON.stringify(r.votes),
        r.rationale ?? null,
        r.voteRationales === undefined ? null : JSON.stringify(r.voteRationales),
        r.at ?? Date.now(),
      );
    return res.changes > 0 ? Number(res.lastInsertRowid) : null;
  }

  forTurn(turnId: string): RewardRecord[] {
    return (
      this.db.prepare('SELECT * FROM rewards WHERE turn_id = ? ORDER BY id').all(turnId) as RewardRow[]
    ).map(fromRow);
  }

  /** The reward that counts: the latest user/env feedback, else the judge's. */
  effective(turnId: string): RewardRecord | null {
    const rows = this.forTurn(turnId);
    const explicit = rows.filter((r) => r.source !== 'judge').at(-1);
    return explicit ?? rows.find((r) => r.source === 'judge') ?? null;
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM rewards').get() as { n: number }).n;
  }
}

function fromRow(r: RewardRow): RewardRecord {
  return {
    id: r.id,
    turnId: r.turn_id,
    source: r.source,
    score: r.score,
    votes: r.votes ? JSON.parse(r.votes) : null,
    rationale: r.rationale,
    createdAt: r.created_at,
  };
}

/** SQL for a turn's effective reward (latest explicit feedback, else the judge's), as a subquery. */
export const EFFECTIVE_REWARD_SQL = `COALESCE(
  (SELECT score FROM rewards r WHERE r.turn_id = t.id AND r.source != 'judge' ORDER BY r.id DESC LIMIT 1),
  (SELECT score FROM rewards r WHERE r.turn_id = t.id AND r.source = 'judge' LIMIT 1))`;
