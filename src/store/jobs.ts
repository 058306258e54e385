import type { Db } from './db.js';

export type JobState = 'pending' | 'running' | 'done' | 'failed';

export interface Job {
  id: number;
  kind: string;
  payload: unknown;
  dedupeKey: string | null;
  state: JobState;
  attempts: number;
  runAfter: number;
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

interface JobRow {
  id: number;
  kind: string;
  payload: string;
  dedupe_key: string | null;
  state: JobState;
  attempts: number;
  run_after: number;
  error: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * Durable background work (judging, evolution, training). A job is a row before anyone is told
 * it exists; a crash leaves `running` rows that `recover()` hands back to the queue.
 */
export class JobQueue {
  constructor(private readonly db: Db) {}

  /** Whether a job of `kind` is waiting or running (one-at-a-time kinds check before enqueueing). */
  hasActive(kind: string): boolean {
    return (
      this.db
        .prepare(`SELECT 1 FROM jobs WHERE kind = ? AND state IN ('pending', 'running') LIMIT 1`)
        .get(kind) !== undefined
    );
  }

  /** Enqueue once per dedupe key; returns the job id, or null when the key was already queued. */
  enqueue(
    kind: string,
    payload: unknown,
    opts: { dedupeKey?: string; runAfter?: number; now?: number } = {},
  ): number | null {
    const now = opts.now ?? Date.now();
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO jobs (kind, payload, dedupe_key, state, attempts, run_after, created_at, updated_at)
         VALUES (?, ?, ?, 'pending', 0, ?, ?, ?)`,
      )
      .run(kind, JSON.stringify(payload), opts.dedupeKey ?? null, opts.runAfter ?? now, now, now);
    return r.changes > 0 ? Number(r.lastInsertRowid) : null;
  }

  /** Take the oldest ready job of these kinds (atomically marks it running). */
  claim(kinds: string[], now = Date.now()): Job | null {
    if (kinds.length === 0) return null;
    const placeholders = kinds.map(() => '?').join(',');
    return this.db.transaction(() => {
      const row = this.db
        .prepare(
          `SELECT * FROM jobs WHERE state = 'pending' AND run_after <= ? AND kind IN (${placeholders}) ORDER BY run_after, id LIMIT 1`,
        )
        .get(now, ...kinds) as JobRow | undefined;
      if (!row) return null;
      this.db
        .prepare(`UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ?`)
        .run(now, row.id);
      return fromRow({ ...row, state: 'running', attempts: row.attempts + 1, updated_at: now });
    })();
  }

  complete(id: number, now = Date.now()): void {
    this.db.prepare(`UPDATE jobs SET state = 'done', error = NULL, updated_at = ? WHERE id = ?`).run(now, id);
  }

  /** Record a failure: retried at `retryAt`, or failed for good when `retryAt` is null. */
  fail(id: number, error: string, retryAt: number | null, now = Date.now()): void {
    if (retryAt === null) {
      this.db
        .prepare(`UPDATE jobs SET state = 'failed', error = ?, updated_at = ? WHERE id = ?`)
        .run(error, now, id);
    } else {
      this.db
        .prepare(`UPDATE jobs SET state = 'pending', error = ?, run_after = ?, updated_at = ? WHERE id = ?`)
        .run(error, retryAt, now, id);
    }
  }

  /** After a crash: jobs left running go back to pending (their work is idempotent). */
  recover(now = Date.now()): number {
    return this.db
      .prepare(`UPDATE jobs SET state = 'pending', updated_at = ? WHERE state = 'running'`)
      .run(now).changes;
  }

  counts(): Record<JobState, number> {
    const out: Record<JobState, number> = { pending: 0, running: 0, done: 0, failed: 0 };
    for (const r of this.db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as {
      state: JobState;
      n: number;
    }[]) {
      out[r.state] = r.n;
    }
    return out;
  }

  /** The most recent errors, for `status` (a pending job with an error is being retried). */
  recentErrors(
    limit = 5,
  ): { kind: string; error: string; state: JobState; attempts: number; updatedAt: number }[] {
    return (
      this.db
        .prepare(
          `SELECT kind, error, state, attempts, updated_at FROM jobs WHERE error IS NOT NULL ORDER BY updated_at DESC LIMIT ?`,
        )
        .all(limit) as {
        kind: string;
        error: string;
        state: JobState;
        attempts: number;
        updated_at: number;
      }[]
    ).map((r) => ({
      kind: r.kind,
      error: r.error,
      state: r.state,
      attempts: r.attempts,
      updatedAt: r.updated_at,
    }));
  }

  get(id: number): Job | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** When the next pending job becomes ready (ms since epoch), or null. */
  nextRunAt(kinds: string[]): number | null {
    if (kinds.length === 0) return null;
    const r = this.db
      .prepare(
        `SELECT MIN(run_after) AS t FROM jobs WHERE state = 'pending' AND kind IN (${kinds.map(() => '?').join(',')})`,
      )
      .get(...kinds) as { t: number | null };
    return r.t;
  }
}

function fromRow(r: JobRow): Job {
  return {
    id: r.id,
    kind: r.kind,
    payload: JSON.parse(r.payload),
    dedupeKey: r.dedupe_key,
    state: r.state,
    attempts: r.attempts,
    runAfter: r.run_after,
    error: r.error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
