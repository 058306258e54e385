import type { Db } from './db.js';
import { utcDay } from './learning-usage.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** One bucket × agent × model cell of dash_traffic. */
export interface TrafficCell {
  t: number;
  /** The session's client; '' = unknown. */
  agent: string;
  /** '' = none recorded. */
  model: string;
  requests: number;
  turns: number;
  errors: number;
  input: number;
  output: number;
}

export interface LearningBucket {
  judged: number;
  rewardSum: number;
  failures: number;
}

export interface EvolutionMarker {
  id: number;
  createdAt: number;
  outcome: string;
  generation: number | null;
}

export interface UsageRow {
  purpose: string;
  model: string;
  calls: number;
  input: number;
  output: number;
}

/** Evolution markers on the learning curve: enough for a month of a busy library, bounded. */
const MAX_MARKERS = 500;

/**
 * Reads behind `GET /v1/admin/overview`. Every query reads the trigger-kept rollups of migration
 * 008 (a few hundred rows for 30 days), or small indexed tables — never `turns` — so the
 * overview stays in milliseconds however many turns the store holds.
 */
export class DashboardRepository {
  constructor(private readonly db: Db) {}

  /**
   * Requests, main turns, errors and serving tokens per bucket (`bucketMs` a multiple of an hour),
   * agent and model from `from`: one pass over the rollup serves the series, the by-agent and
   * by-model splits and the serving cost. Buckets are `x - x % size`: `%` is integer arithmetic in
   * SQLite even for the REAL that a JS number binds as, where `/` would not be.
   */
  traffic(from: number, bucketMs: number): TrafficCell[] {
    return this.db
      .prepare(
        `SELECT hour - hour % ? AS t, agent, model, SUM(requests) AS requests, SUM(turns) AS turns,
           SUM(errors) AS errors, SUM(input_tokens) AS input, SUM(output_tokens) AS output
         FROM dash_traffic WHERE hour >= ? GROUP BY 1, 2, 3`,
      )
      .all(bucketMs, from) as TrafficCell[];
  }

  /** Sessions started per bucket from `from` (rollup dash_sessions, migration 011). */
  sessionsStarted(from: number, bucketMs: number): { t: number; n: number }[] {
    return this.db
      .prepare(
        'SELECT hour - hour % ? AS t, SUM(started) AS n FROM dash_sessions WHERE hour >= ? GROUP BY 1 ORDER BY 1',
      )
      .all(bucketMs, from) as { t: number; n: number }[];
  }

  /** Requests and errors since `from` (the upstream alert's window). */
  errorsSince(from: number): { requests: number; errors: number } {
    const r = this.db
      .prepare('SELECT SUM(requests) AS requests, SUM(errors) AS errors FROM dash_traffic WHERE hour >= ?')
      .get(from) as { requests: number | null; errors: number | null };
    return { requests: r.requests ?? 0, errors: r.errors ?? 0 };
  }

  /** Judge rewards per UTC day of the turn, from the day holding `from`. */
  learningByDay(from: number): (LearningBucket & { day: number })[] {
    return this.db
      .prepare(
        `SELECT day, SUM(judged) AS judged, SUM(reward_sum) AS rewardSum, SUM(failures) AS failures
         FROM dash_learning WHERE day >= ? GROUP BY day ORDER BY day`,
      )
      .all(dayStart(from)) as (LearningBucket & { day: number })[];
  }

  /** Judge rewards per library generation that served the turns, over the same days. */
  learningByGeneration(from: number): (LearningBucket & { generation: number })[] {
    return this.db
      .prepare(
        `SELECT generation, SUM(judged) AS judged, SUM(reward_sum) AS rewardSum, SUM(failures) AS failures
         FROM dash_learning WHERE day >= ? GROUP BY generation ORDER BY generation`,
      )
      .all(dayStart(from)) as (LearningBucket & { generation: number })[];
  }

  /** Evolutions started from `from`, oldest first (at most MAX_MARKERS, the newest kept). */
  evolutionsSince(from: number): EvolutionMarker[] {
    // Ids grow with created_at, so walking ids backwards finds the window without an index.
    const rows = this.db
      .prepare(
        `SELECT id, created_at AS createdAt, outcome, generation FROM evolutions
         WHERE created_at >= ? ORDER BY id DESC LIMIT ?`,
      )
      .all(from, MAX_MARKERS) as EvolutionMarker[];
    return rows.reverse();
  }

  /** Evolutions verified and held for the user's decision (index evolutions_outcome). */
  pendingApprovals(): number {
    return (
      this.db.prepare(`SELECT COUNT(*) AS n FROM evolutions WHERE outcome = 'awaiting_approval'`).get() as {
        n: number;
      }
    ).n;
  }

  /** Learning token usage per purpose and model, from the UTC day holding `from`. */
  learningUsage(from: number): UsageRow[] {
    return this.db
      .prepare(
        `SELECT purpose, model, SUM(calls) AS calls, SUM(input_tokens) AS input, SUM(output_tokens) AS output
         FROM learning_usage WHERE day >= ? GROUP BY purpose, model`,
      )
      .all(utcDay(from)) as UsageRow[];
  }

  /** RL failures no later success of the same kind cleared: how many, and since when. */
  openRlFailures(): { count: number; since: number | null; message: string | null } {
    const r = this.db
      .prepare(
        `SELECT COUNT(*) AS count, MIN(at) AS since,
           (SELECT kind || ': ' || message FROM rl_failures WHERE recovered_at IS NULL ORDER BY id DESC LIMIT 1) AS message
         FROM rl_failures WHERE recovered_at IS NULL`,
      )
      .get() as { count: number; since: number | null; message: string | null };
    return r;
  }
}

export function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function hourStart(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}
