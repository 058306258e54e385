import type { Db } from './db.js';

/** One judgement as cached: the same prompt, model and settings are never judged twice. */
export interface CachedJudgement {
  score: number;
  votes: (number | null)[];
  rationale: string;
  /** Each vote's rationale; empty for entries cached before migration 012. */
  rationales: string[];
}

/** `judge_cache`: judgements by the hash of everything that decides them. */
export class JudgeCacheRepository {
  private readonly getStmt;
  private readonly putStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare(
      'SELECT score, votes, rationale, vote_rationales FROM judge_cache WHERE hash = ?',
    );
    this.putStmt = db.prepare(
      'INSERT OR REPLACE INTO judge_cache (hash, score, votes, rationale, vote_rationales, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  get(hash: string): CachedJudgement | null {
    const r = this.getStmt.get(hash) as
      | { score: number; votes: string; rationale: string; vote_rationales: string | null }
      | undefined;
    if (!r) return null;
    return {
      score: r.score,
      votes: JSON.parse(r.votes),
      rationale: r.rationale,
      rationales: r.vote_rationales ? JSON.parse(r.vote_rationales) : [],
    };
  }

  put(hash: string, j: CachedJudgement, now = Date.now()): void {
    this.putStmt.run(hash, j.score, JSON.stringify(j.votes), j.rationale, JSON.stringify(j.rationales), now);
  }
}
