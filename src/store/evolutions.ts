import type { Db } from './db.js';

export type EvolutionOutcome = 'pending' | 'applied' | 'rejected' | 'empty' | 'failed';

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
  generation: number | null;
  createdAt: number;
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
  generation: number | null;
  created_at: number;
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
const parse = (s: string | null) => (s === null ? null : JSON.parse(s));

/** Every evolution, whatever came of it: the audit trail of how the library changed and why. */
export class EvolutionRepository {
  constructor(private readonly db: Db) {}

  create(trigger: string, supportTurnIds: string[], now = Date.now()): number {
    const r = this.db
      .prepare(
        `INSERT INTO evolutions (trigger, support_turn_ids, outcome, created_at) VALUES (?, ?, 'pending', ?)`,
      )
      .run(trigger, JSON.stringify(supportTurnIds), now);
    return Number(r.lastInsertRowid);
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
      generation: number;
    }>,
  ): void {
    const cur = this.db.prepare('SELECT * FROM evolutions WHERE id = ?').get(id) as Row;
    this.db
      .prepare(
        `UPDATE evolutions SET prompt = ?, raw_reply = ?, ops = ?, validation = ?, verification = ?, outcome = ?, generation = ? WHERE id = ?`,
      )
      .run(
        f.prompt ?? cur.prompt,
        f.rawReply ?? cur.raw_reply,
        f.ops === undefined ? cur.ops : json(f.ops),
        f.validation === undefined ? cur.validation : json(f.validation),
        f.verification === undefined ? cur.verification : json(f.verification),
        f.outcome ?? cur.outcome,
        f.generation ?? cur.generation,
        id,
      );
  }

  get(id: number): EvolutionRecord | undefined {
    const r = this.db.prepare('SELECT * FROM evolutions WHERE id = ?').get(id) as Row | undefined;
    return r ? fromRow(r) : undefined;
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
    generation: r.generation,
    createdAt: r.created_at,
  };
}
