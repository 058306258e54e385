import type { Db } from './db.js';

/** A day's votes need at least this many before invalid ones can raise an alert. */
export const JUDGE_HEALTH_MIN_VOTES = 6;

export interface JudgeHealthRow {
  /** Local YYYY-MM-DD (the judge's call budget uses the same day). */
  day: string;
  model: string;
  /** Votes that got a reply. */
  votes: number;
  /** Votes with no parsable `Score:` line even after the format reminder. */
  invalid: number;
  /** Votes that needed the format reminder. */
  retried: number;
  lastInvalid: string | null;
  warnedAt: number | null;
  /** More than a third of at least JUDGE_HEALTH_MIN_VOTES votes were invalid. */
  unhealthy: boolean;
}

export interface JudgeHealthReport {
  day: string;
  models: {
    model: string;
    votes: number;
    invalid: number;
    retried: number;
    invalid_share: number;
    unhealthy: boolean;
  }[];
  /** One sentence per unhealthy model, naming it. */
  warnings: string[];
}

interface Row {
  day: string;
  model: string;
  votes: number;
  invalid: number;
  retried: number;
  last_invalid: string | null;
  warned_at: number | null;
}

export function isUnhealthy(votes: number, invalid: number): boolean {
  return votes >= JUDGE_HEALTH_MIN_VOTES && invalid * 3 > votes;
}

/** The fix offered wherever an unhealthy judge is reported. */
export const JUDGE_HEALTH_HINT =
  'use a judge model that follows the answer format: metaclaw config set judge.model <model> (e.g. gpt-4.1-mini or claude-haiku-4-5), then restart';

export function judgeHealthWarning(r: {
  model: string;
  votes: number;
  invalid: number;
  day: string;
}): string {
  return `judge model ${r.model}: ${r.invalid} of ${r.votes} votes on ${r.day} had no parsable "Score:" line, even after a format reminder`;
}

/**
 * Per day and judge model: how many votes were asked and how many came back without a
 * `Score:` line. Durable, so `metaclaw status`/`doctor` and a restarted service see the same
 * figures; the service log warns once per day and model (`claimAlerts`).
 */
export class JudgeHealthRepository {
  constructor(private readonly db: Db) {}

  record(
    day: string,
    model: string,
    c: { votes: number; invalid: number; retried: number; lastInvalid?: string | null },
  ): void {
    if (c.votes === 0 && c.invalid === 0 && c.retried === 0) return;
    const last = c.lastInvalid ? c.lastInvalid.slice(0, 500) : null;
    this.db
      .prepare(
        `INSERT INTO judge_health (day, model, votes, invalid, retried, last_invalid) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(day, model) DO UPDATE SET votes = votes + excluded.votes, invalid = invalid + excluded.invalid,
           retried = retried + excluded.retried, last_invalid = COALESCE(excluded.last_invalid, last_invalid)`,
      )
      .run(day, model, c.votes, c.invalid, c.retried, last);
  }

  forDay(day: string): JudgeHealthRow[] {
    const rows = this.db.prepare('SELECT * FROM judge_health WHERE day = ? ORDER BY model').all(day) as Row[];
    return rows.map(toRow);
  }

  /**
   * Unhealthy models of `day` not yet warned about; marks them warned, so each is returned once
   * per day, across restarts and concurrent callers.
   */
  claimAlerts(day: string, now = Date.now()): JudgeHealthRow[] {
    return this.db.transaction(() => {
      const out: JudgeHealthRow[] = [];
      for (const r of this.forDay(day)) {
        if (!r.unhealthy || r.warnedAt !== null) continue;
        this.db
          .prepare('UPDATE judge_health SET warned_at = ? WHERE day = ? AND model = ?')
          .run(now, day, r.model);
        out.push({ ...r, warnedAt: now });
      }
      return out;
    })();
  }

  /** What status, doctor and /healthz show for `day`. */
  report(day: string): JudgeHealthReport {
    const rows = this.forDay(day);
    return {
      day,
      models: rows.map((r) => ({
        model: r.model,
        votes: r.votes,
        invalid: r.invalid,
        retried: r.retried,
        invalid_share: r.votes > 0 ? Math.round((r.invalid / r.votes) * 1000) / 1000 : 0,
        unhealthy: r.unhealthy,
      })),
      warnings: rows.filter((r) => r.unhealthy).map(judgeHealthWarning),
    };
  }
}

function toRow(r: Row): JudgeHealthRow {
  return {
    day: r.day,
    model: r.model,
    votes: r.votes,
    invalid: r.invalid,
    retried: r.retried,
    lastInvalid: r.last_invalid,
    warnedAt: r.warned_at,
    unhealthy: isUnhealthy(r.votes, r.invalid),
  };
}
