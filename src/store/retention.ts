import type { Db } from './db.js';
import { TurnPartStore } from './turn-parts.js';

/** `store.retention_days` and what it must keep; see `keepReasons` for the rules. */
export interface RetentionPolicy {
  /** Sessions idle longer than this lose their turns' bodies; 0 = keep everything. */
  days: number;
  /** The newest sessions (by last activity) are always kept whole. */
  keepSessions: number;
  /** The judge is on: unjudged main turns of the current generation still wait for it. */
  keepUnjudged: boolean;
}

export interface RetentionPlan {
  sessions: number;
  turns: number;
  /** Inline bodies (rows from before migration 009) that would be cleared. */
  inlineBytes: number;
  /** Parts that would no longer be referenced, and their stored (compressed) bytes. */
  parts: number;
  partBytes: number;
}

const DAY_MS = 86_400_000;

/**
 * Retention: removes the bodies (request, as-sent request, response) of turns that learning no
 * longer needs, then deletes the parts nothing references. The turn row stays (usage, rewards,
 * dashboard counters, judge history), so counts and curves do not change; a pruned turn reads
 * back with requestJson '{}' and prunedAt set.
 *
 * The unit is a session: it is pruned only when every one of its turns may go, because the
 * judge and the evolver read a turn together with the next turn of its session. A session is
 * KEPT when any of these holds:
 *  - its last activity is within `days`, or it is among the newest `keepSessions`;
 *  - one of its turns is named by a pending or running job (a judge job: the turn and the next);
 *  - one of its turns is an evolution support candidate: a negative reward, current generation,
 *    not consumed by an evolution yet;
 *  - one of its turns was support for any evolution (skill provenance, verification replays);
 *  - one of its turns has a token-exact RL sample not yet trained (no used/stale sample row);
 *  - with the judge on, one of its main turns of the current generation is not judged yet.
 */
export class StoreRetention {
  private readonly parts: TurnPartStore;

  constructor(private readonly db: Db) {
    this.parts = new TurnPartStore(db);
  }

  /** Sessions retention would prune now (ids), oldest activity first. */
  candidates(p: RetentionPolicy, now = Date.now()): string[] {
    if (p.days <= 0) return [];
    const rows = this.db
      .prepare(
        `WITH gen AS (SELECT COALESCE(MAX(number), 0) AS g FROM generations),
         newest AS (SELECT id FROM sessions ORDER BY last_activity_at DESC LIMIT ?),
         support AS (SELECT DISTINCT j.value AS id FROM evolutions e, json_each(e.support_turn_ids) j
                     WHERE json_valid(e.support_turn_ids))
         SELECT s.id FROM sessions s
         WHERE s.last_activity_at < ? AND s.id NOT IN (SELECT id FROM newest)
           AND EXISTS (SELECT 1 FROM turns t WHERE t.session_id = s.id AND t.pruned_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM turns t WHERE t.session_id = s.id AND (
             t.id IN (SELECT id FROM support)
             OR EXISTS (SELECT 1 FROM jobs jb WHERE jb.state IN ('pending', 'running')
                        AND instr(jb.payload, '"' || t.id || '"') > 0)
             OR (t.consumed_by_evolution IS NULL AND t.library_generation = (SELECT g FROM gen)
                 AND EXISTS (SELECT 1 FROM rewards r WHERE r.turn_id = t.id AND r.score < 0))
             OR (t.prompt_token_ids IS NOT NULL AND NOT EXISTS
                 (SELECT 1 FROM samples sa WHERE sa.turn_id = t.id AND sa.status IN ('used', 'stale')))
             OR (? AND t.kind = 'main' AND t.status = 'ok' AND t.library_generation = (SELECT g FROM gen)
                 AND NOT EXISTS (SELECT 1 FROM rewards r WHERE r.turn_id = t.id))))
         ORDER BY s.last_activity_at`,
      )
      .all(p.keepSessions, now - p.days * DAY_MS, p.keepUnjudged ? 1 : 0) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** What pruning now would free, without changing anything (`metaclaw store stats`). */
  plan(p: RetentionPolicy, now = Date.now()): RetentionPlan {
    const sessions = this.candidates(p, now);
    // A part's refs count the sessions holding it: it is freed when all of them go.
    const released = new Map<number, number>();
    const size = this.sizeOf();
    let turns = 0;
    let inlineBytes = 0;
    for (const s of sessions) {
      const r = size.get(s) as { turns: number; inline_bytes: number };
      turns += r.turns;
      inlineBytes += r.inline_bytes;
      for (const id of this.parts.sessionPartIds(s)) released.set(id, (released.get(id) ?? 0) + 1);
    }
    let parts = 0;
    let partBytes = 0;
    const stmt = this.db.prepare(
      'SELECT p.refs, length(b.body) AS bytes FROM turn_parts p JOIN turn_part_bodies b ON b.id = p.id WHERE p.id = ?',
    );
    for (const [id, n] of released) {
      const r = stmt.get(id) as { refs: number; bytes: number } | undefined;
      if (r && r.refs <= n) {
        parts++;
        partBytes += r.bytes;
      }
    }
    return { sessions: sessions.length, turns, inlineBytes, parts, partBytes };
  }

  /**
   * Prune what the policy allows, one session per transaction with a pause between them (the
   * service keeps serving), then collect unreferenced parts. Returns what was done.
   */
  async prune(
    p: RetentionPolicy,
    now = Date.now(),
  ): Promise<{ sessions: number; turns: number; parts: number; partBytes: number }> {
    const sessions = this.candidates(p, now);
    const clear = this.db.prepare(
      `UPDATE turns SET request_json = '{}', upstream_request_json = NULL, response_json = NULL,
       request_ref = NULL, upstream_ref = NULL, response_ref = NULL, pruned_at = ?
       WHERE session_id = ? AND pruned_at IS NULL`,
    );
    let turns = 0;
    for (const s of sessions) {
      try {
        this.db.transaction(() => {
          this.parts.releaseSession(s);
          turns += clear.run(now, s).changes;
        })();
      } catch (err) {
        this.parts.forgetAll();
        throw err;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const freed = this.parts.collectGarbage();
    return { sessions: sessions.length, turns, parts: freed.parts, partBytes: freed.bytes };
  }

  private sizeOf() {
    return this.db.prepare(
      `SELECT COUNT(*) AS turns,
              COALESCE(SUM(CASE WHEN request_ref IS NULL THEN length(CAST(request_json AS BLOB))
                + COALESCE(length(CAST(upstream_request_json AS BLOB)), 0)
                + COALESCE(length(CAST(response_json AS BLOB)), 0) END), 0) AS inline_bytes
       FROM turns WHERE session_id = ? AND pruned_at IS NULL`,
    );
  }
}

/** Runs retention at start and then daily; `stop()` cancels the timer (a run in progress finishes). */
export function startRetention(
  db: Db,
  policy: () => RetentionPolicy,
  report: (
    r:
      | { ok: true; sessions: number; turns: number; parts: number; partBytes: number }
      | { ok: false; error: string },
  ) => void,
): { stop(): void; run(): Promise<void> } {
  const retention = new StoreRetention(db);
  let running: Promise<void> | null = null;
  const run = (): Promise<void> => {
    if (running) return running;
    const p = policy();
    if (p.days <= 0) return Promise.resolve();
    // Cleared before reporting, so a listener may start the next run at once.
    running = retention.prune(p).then(
      (r) => {
        running = null;
        report({ ok: true, ...r });
      },
      (err: unknown) => {
        running = null;
        report({ ok: false, error: (err as Error).message });
      },
    );
    return running;
  };
  // After start-up work, not during it.
  const first = setTimeout(() => void run(), 5_000);
  const daily = setInterval(() => void run(), DAY_MS);
  first.unref();
  daily.unref();
  return {
    run,
    stop() {
      clearTimeout(first);
      clearInterval(daily);
    },
  };
}
