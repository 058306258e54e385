import type { Db } from './db.js';

/**
 * `duplicate`: the same change set was already applied for the same failures (not applied again).
 * `awaiting_approval`: verified, held for a person (`evolution.approval: manual`).
 */
export type EvolutionOutcome =
  | 'pending'
  | 'awaiting_approval'
  | 'applied'
  | 'rejected'
  | 'duplicate'
  | 'empty'
  | 'failed';

/** Outcomes nobody decides any more: set by the engine (`auto`) unless a person decided. */
const FINAL = new Set<EvolutionOutcome>(['applied', 'rejected', 'duplicate', 'empty', 'failed']);

export interface EvolutionRecord {
  id: number;
  trigger: string;
  supportTurnIds: string[];
  prompt: string | null;
  rawReply: string | null;
  ops: unknown;
  validation: unknown;
  verification: unknown;
  outcome: EvolutionOutcome;
  /** Why it was rejected, a duplicate, empty or failed (null when applied or pending). */
  reason: string | null;
  /** Signature of the validated change set (see learning/evolve/dedupe.ts). */
  changeKey: string | null;
  generation: number | null;
  createdAt: number;
  /** Who settled the outcome: the engine (`auto`) or a person approving/rejecting (`user`). */
  decidedBy: 'auto' | 'user' | null;
  decidedAt: number | null;
}

/** A skill change that failed verification, as remembered for the failures it was tried on. */
export interface FailedChange {
  evolutionId: number;
  changeKey: string;
  name: string;
  description: string;
  reason: string;
}

interface Row {
  id: number;
  trigger: string;
  support_turn_ids: string;
  prompt: string | null;
  raw_reply: string | null;
  ops: string | null;
  validation: string | null;
  verification: string | null;
  outcome: EvolutionOutcome;
  reason: string | null;
  change_key: string | null;
  generation: number | null;
  created_at: number;
  decided_by: 'auto' | 'user' | null;
  decided_at: number | null;
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
const parse = (s: string | null) => (s === null ? null : JSON.parse(s));

/** Every evolution, whatever came of it: the audit trail of how the library changed and why. */
export class EvolutionRepository {
  constructor(
    private readonly db: Db,
    /** Told the id of every evolution whose outcome was just set (the dashboard's live events). */
    private readonly onOutcome?: (id: number) => void,
  ) {}

  create(trigger: string, supportTurnIds: string[], now = Date.now()): number {
    const r = this.db
      .prepare(
        `INSERT INTO evolutions (trigger, support_turn_ids, outcome, created_at) VALUES (?, ?, 'pending', ?)`,
      )
      .run(trigger, JSON.stringify(supportTurnIds), now);
    const id = Number(r.lastInsertRowid);
    this.onOutcome?.(id);
    return id;
  }

  update(
    id: number,
    f: Partial<{
      prompt: string;
      rawReply: string;
      ops: unknown;
      validation: unknown;
      verification: unknown;
      outcome: EvolutionOutcome;
      reason: string;
      changeKey: string;
      generation: number;
      decidedBy: 'auto' | 'user';
    }>,
    now = Date.now(),
  ): void {
    const cur = this.db.prepare('SELECT * FROM evolutions WHERE id = ?').get(id) as Row;
    // A final outcome records who decided it and when; the engine's are `auto`.
    const decided = f.outcome !== undefined && FINAL.has(f.outcome);
    this.db
      .prepare(
        `UPDATE evolutions SET prompt = ?, raw_reply = ?, ops = ?, validation = ?, verification = ?, outcome = ?,
         reason = ?, change_key = ?, generation = ?, decided_by = ?, decided_at = ? WHERE id = ?`,
      )
      .run(
        f.prompt ?? cur.prompt,
        f.rawReply ?? cur.raw_reply,
        f.ops === undefined ? cur.ops : json(f.ops),
        f.validation === undefined ? cur.validation : json(f.validation),
        f.verification === undefined ? cur.verification : json(f.verification),
        f.outcome ?? cur.outcome,
        f.reason ?? cur.reason,
        f.changeKey ?? cur.change_key,
        f.generation ?? cur.generation,
        decided ? (f.decidedBy ?? 'auto') : cur.decided_by,
        decided ? now : cur.decided_at,
        id,
      );
    if (f.outcome !== undefined) this.onOutcome?.(id);
  }

  /**
   * Close evolutions left `pending` by an attempt that died without recording a verdict (a crash,
   * a stop mid-run). Only called when no evolution can be running (one at a time), so none is live.
   */
  failPending(reason: string, now = Date.now()): number {
    const ids = this.db
      .prepare(`SELECT id FROM evolutions WHERE outcome = 'pending'`)
      .pluck()
      .all() as number[];
    const n = this.db
      .prepare(
        `UPDATE evolutions SET outcome = 'failed', reason = ?, decided_by = 'auto', decided_at = ? WHERE outcome = 'pending'`,
      )
      .run(reason, now).changes;
    for (const id of ids) this.onOutcome?.(id);
    return n;
  }

  get(id: number): EvolutionRecord | undefined {
    const r = this.db.prepare('SELECT * FROM evolutions WHERE id = ?').get(id) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  /** Remember which failures (support turn ids, request texts: see dedupe.ts) an evolution was about. */
  recordFailures(id: number, failureKeys: readonly string[]): void {
    const stmt = this.db.prepare(
      'INSERT OR IGNORE INTO evolution_failures (evolution_id, failure_key) VALUES (?, ?)',
    );
    this.db.transaction(() => {
      for (const k of failureKeys) stmt.run(id, k);
    })();
  }

  /** The earliest applied evolution with this change key that shared any of these failures. */
  appliedForSameFailures(
    changeKey: string,
    failureKeys: readonly string[],
    excludeId: number,
  ): number | null {
    if (failureKeys.length === 0) return null;
    const row = this.db
      .prepare(
        `SELECT MIN(e.id) AS id FROM evolutions e
         WHERE e.outcome = 'applied' AND e.change_key = ? AND e.id != ?
           AND EXISTS (SELECT 1 FROM evolution_failures f, json_each(?) k
                       WHERE f.evolution_id = e.id AND f.failure_key = k.value)`,
      )
      .get(changeKey, excludeId, JSON.stringify(failureKeys)) as { id: number | null };
    return row.id;
  }

  /** Remember skill changes that failed verification for this evolution's failures. */
  recordFailedChanges(id: number, changes: readonly Omit<FailedChange, 'evolutionId'>[]): void {
    const stmt = this.db.prepare(
      `INSERT OR IGNORE INTO evolution_failed_changes (evolution_id, change_key, name, description, reason)
       VALUES (?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const c of changes) stmt.run(id, c.changeKey, c.name, c.description, c.reason);
    })();
  }

  /** Skill changes that failed verification for any of these failures, oldest evolution first. */
  failedChanges(failureKeys: readonly string[], excludeId = -1): FailedChange[] {
    if (failureKeys.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT c.evolution_id AS evolutionId, c.change_key AS changeKey, c.name, c.description, c.reason
         FROM evolution_failed_changes c
         WHERE c.evolution_id != ? AND EXISTS (SELECT 1 FROM evolution_failures f, json_each(?) k
                       WHERE f.evolution_id = c.evolution_id AND f.failure_key = k.value)
         ORDER BY c.evolution_id, c.change_key`,
      )
      .all(excludeId, JSON.stringify(failureKeys)) as FailedChange[];
    // One entry per change: the first evolution it failed in.
    const seen = new Set<string>();
    return rows.filter((r) => !seen.has(r.changeKey) && seen.add(r.changeKey));
  }

  /** Newest first, optionally of one outcome; `total` ignores limit/offset. */
  page(o: { outcome?: EvolutionOutcome; limit: number; offset: number }): {
    rows: EvolutionRecord[];
    total: number;
  } {
    const where = o.outcome === undefined ? '' : 'WHERE outcome = ?';
    const args = o.outcome === undefined ? [] : [o.outcome];
    const total = (
      this.db.prepare(`SELECT COUNT(*) AS n FROM evolutions ${where}`).get(...args) as { n: number }
    ).n;
    const rows = this.db
      .prepare(`SELECT * FROM evolutions ${where} ORDER BY id DESC LIMIT ? OFFSET ?`)
      .all(...args, o.limit, o.offset) as Row[];
    return { rows: rows.map(fromRow), total };
  }

  list(limit = 50): EvolutionRecord[] {
    return (this.db.prepare('SELECT * FROM evolutions ORDER BY id DESC LIMIT ?').all(limit) as Row[]).map(
      fromRow,
    );
  }
}

function fromRow(r: Row): EvolutionRecord {
  return {
    id: r.id,
    trigger: r.trigger,
    supportTurnIds: JSON.parse(r.support_turn_ids),
    prompt: r.prompt,
    rawReply: r.raw_reply,
    ops: parse(r.ops),
    validation: parse(r.validation),
    verification: parse(r.verification),
    outcome: r.outcome,
    reason: r.reason ?? null,
    changeKey: r.change_key ?? null,
    generation: r.generation,
    createdAt: r.created_at,
    decidedBy: r.decided_by ?? null,
    decidedAt: r.decided_at ?? null,
  };
}
