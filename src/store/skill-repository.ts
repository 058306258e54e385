import {
  contentKey,
  type SkillDocument,
  type SkillFrontmatter,
  type SkillMeta,
  skillMeta,
} from '../skills/format.js';
import type { Db } from './db.js';

export type GenerationCause = 'init' | 'evolution' | 'import' | 'manual' | 'sync' | 'rollback';

export interface Generation {
  number: number;
  cause: GenerationCause;
  detail: string | null;
  createdAt: number;
}

/** Where a revision came from: an evolution (with its support turns), a file, a person. */
export interface Provenance {
  origin?: string;
  evolutionId?: number;
  supportTurnIds?: string[];
  source?: string;
}

/** One immutable version of one skill. */
export interface SkillRevision {
  id: number;
  name: string;
  revision: number;
  /** Generation that introduced this revision. */
  generation: number;
  description: string;
  body: string;
  frontmatter: SkillFrontmatter;
  meta: SkillMeta;
  provenance: Provenance | null;
  helpful: number;
  harmful: number;
  createdAt: number;
  /** contentKey() of the document, to skip writes that change nothing. */
  key: string;
}

/** One library edit. A change set is a list of them, applied as one generation. */
export type SkillOp =
  | { op: 'put'; doc: SkillDocument; provenance?: Provenance }
  | { op: 'remove'; name: string }
  /** Make an existing revision its skill's active one again (rollback). */
  | { op: 'activate'; revisionId: number };

export interface AppliedChange {
  generation: Generation;
  added: SkillRevision[];
  retiredIds: number[];
}

/** What changed between a known generation and the store's current one. */
export interface ChangesSince {
  generation: number;
  added: SkillRevision[];
  removedIds: number[];
}

interface RevisionRow {
  id: number;
  name: string;
  revision: number;
  generation: number;
  description: string;
  body: string;
  frontmatter: string;
  provenance: string | null;
  helpful: number;
  harmful: number;
  created_at: number;
}

const REV_COLS =
  'r.id, r.name, r.revision, r.generation, r.description, r.body, r.frontmatter, r.provenance, r.helpful, r.harmful, r.created_at';

function toRevision(row: RevisionRow): SkillRevision {
  const frontmatter = JSON.parse(row.frontmatter) as SkillFrontmatter;
  return {
    id: row.id,
    name: row.name,
    revision: row.revision,
    generation: row.generation,
    description: row.description,
    body: row.body,
    frontmatter,
    meta: skillMeta(frontmatter),
    provenance: row.provenance ? (JSON.parse(row.provenance) as Provenance) : null,
    helpful: row.helpful,
    harmful: row.harmful,
    createdAt: row.created_at,
    key: contentKey({ frontmatter, body: row.body }),
  };
}

/**
 * SQL for the library: revisions are append-only; membership is stored as generation spans so a
 * change set writes only what it changes. Writers use BEGIN IMMEDIATE, so the CLI and the running
 * service can both apply change sets and generation numbers stay gapless.
 */
export class SkillRepository {
  constructor(private readonly db: Db) {}

  /** Count one helpful (score > 0) or harmful use for each of these revisions. */
  recordUse(revisionIds: readonly number[], helpful: boolean): void {
    const col = helpful ? 'helpful' : 'harmful';
    const stmt = this.db.prepare(`UPDATE skill_revisions SET ${col} = ${col} + 1 WHERE id = ?`);
    this.db.transaction(() => {
      for (const id of revisionIds) stmt.run(id);
    })();
  }

  /** Helpful/harmful counts of every revision, fresh from the store. */
  useCounts(): Map<number, { helpful: number; harmful: number }> {
    const rows = this.db.prepare('SELECT id, helpful, harmful FROM skill_revisions').all() as {
      id: number;
      helpful: number;
      harmful: number;
    }[];
    return new Map(rows.map((r) => [r.id, { helpful: r.helpful, harmful: r.harmful }]));
  }

  /** `name (rev N)` labels of revisions, by id (for showing what a turn was given). */
  revisionLabels(ids: readonly number[]): Map<number, string> {
    if (ids.length === 0) return new Map();
    const rows = this.db
      .prepare(`SELECT id, name, revision FROM skill_revisions WHERE id IN (${ids.map(() => '?').join(',')})`)
      .all(...ids) as { id: number; name: string; revision: number }[];
    return new Map(rows.map((r) => [r.id, `${r.name} (rev ${r.revision})`]));
  }

  currentGeneration(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(number), 0) AS g FROM generations').get() as { g: number })
      .g;
  }

  activeCount(): number {
    return (
      this.db.prepare('SELECT COUNT(*) AS n FROM skill_membership WHERE to_generation IS NULL').get() as {
        n: number;
      }
    ).n;
  }

  generations(limit = 1000): Generation[] {
    const rows = this.db
      .prepare('SELECT number, cause, detail, created_at FROM generations ORDER BY number DESC LIMIT ?')
      .all(limit) as { number: number; cause: GenerationCause; detail: string | null; created_at: number }[];
    return rows.map((r) => ({ number: r.number, cause: r.cause, detail: r.detail, createdAt: r.created_at }));
  }

  /** Active revisions of generation `g` (default: current), ordered by name. */
  members(g?: number): SkillRevision[] {
    const rows =
      g === undefined
        ? this.db
            .prepare(
              `SELECT ${REV_COLS} FROM skill_membership m JOIN skill_revisions r ON r.id = m.revision_id WHERE m.to_generation IS NULL ORDER BY r.name`,
            )
            .all()
        : this.db
            .prepare(
              `SELECT ${REV_COLS} FROM skill_membership m JOIN skill_revisions r ON r.id = m.revision_id
               WHERE m.from_generation <= ? AND (m.to_generation IS NULL OR m.to_generation > ?) ORDER BY r.name`,
            )
            .all(g, g);
    return (rows as RevisionRow[]).map(toRevision);
  }

  /** Every revision of one skill (or all skills), oldest first, with the generations it was live in. */
  history(name?: string): (SkillRevision & { spans: { from: number; to: number | null }[] })[] {
    const rows = (
      name === undefined
        ? this.db.prepare(`SELECT ${REV_COLS} FROM skill_revisions r ORDER BY r.name, r.revision`).all()
        : this.db
            .prepare(`SELECT ${REV_COLS} FROM skill_revisions r WHERE r.name = ? ORDER BY r.revision`)
            .all(name)
    ) as RevisionRow[];
    const spans = this.db.prepare(
      'SELECT from_generation AS f, to_generation AS t FROM skill_membership WHERE revision_id = ? ORDER BY from_generation',
    );
    return rows.map((row) => ({
      ...toRevision(row),
      spans: (spans.all(row.id) as { f: number; t: number | null }[]).map((s) => ({ from: s.f, to: s.t })),
    }));
  }

  /** Incremental refresh: revisions that joined or left between generation `g` and now. */
  changesSince(g: number): ChangesSince {
    return this.db.transaction(() => {
      const current = this.currentGeneration();
      const spans = this.db
        .prepare(
          'SELECT revision_id AS id, from_generation AS f, to_generation AS t FROM skill_membership WHERE from_generation > ? OR to_generation > ?',
        )
        .all(g, g) as { id: number; f: number; t: number | null }[];
      const atG = new Set<number>();
      const now = new Set<number>();
      for (const s of spans) {
        if (s.f <= g && (s.t === null || s.t > g)) atG.add(s.id);
        if (s.t === null) now.add(s.id);
      }
      const addedIds = [...now].filter((id) => !atG.has(id));
      const removedIds = [...atG].filter((id) => !now.has(id));
      return { generation: current, added: this.revisionsByIds(addedIds), removedIds };
    })();
  }

  revisionsByIds(ids: number[]): SkillRevision[] {
    const out: SkillRevision[] = [];
    const stmt = this.db.prepare(`SELECT ${REV_COLS} FROM skill_revisions r WHERE r.id = ?`);
    for (const id of ids) {
      const row = stmt.get(id) as RevisionRow | undefined;
      if (row) out.push(toRevision(row));
    }
    return out;
  }

  /**
   * Apply a change set as one new generation, atomically. `ops` may be a function so that it is
   * computed inside the write transaction (rollback must see exactly the state it replaces).
   * Ops that change nothing are dropped; if none is left, no generation is created (null).
   */
  apply(
    ops: SkillOp[] | (() => SkillOp[]),
    cause: GenerationCause,
    detail: string | null = null,
    now = Date.now(),
  ): AppliedChange | null {
    return this.db
      .transaction((): AppliedChange | null => {
        const list = typeof ops === 'function' ? ops() : ops;
        // Look up only the names this change set touches: O(change), not O(library).
        const byName = this.db.prepare(
          `SELECT ${REV_COLS} FROM skills s JOIN skill_revisions r ON r.id = s.active_revision_id WHERE s.name = ?`,
        );
        const known = new Map<string, { id: number; key: string } | undefined>();
        const active = {
          get: (name: string) => {
            if (!known.has(name)) {
              const row = byName.get(name) as RevisionRow | undefined;
              known.set(name, row ? { id: row.id, key: toRevision(row).key } : undefined);
            }
            return known.get(name);
          },
          set: (name: string, v: { id: number; key: string }) => void known.set(name, v),
          delete: (name: string) => void known.set(name, undefined),
        };
        const gen = this.currentGeneration() + 1;
        const retire = new Set<number>();
        const toAdd: { doc: SkillDocument; provenance?: Provenance }[] = [];
        const toActivate: SkillRevision[] = [];
        for (const op of list) {
          if (op.op === 'put') {
            const cur = active.get(op.doc.frontmatter.name);
            const key = contentKey(op.doc);
            if (cur?.key === key) continue;
            if (cur && cur.id > 0) retire.add(cur.id);
            else if (cur)
              toAdd.splice(
                toAdd.findIndex((a) => a.doc.frontmatter.name === op.doc.frontmatter.name),
                1,
              );
            toAdd.push(op);
            active.set(op.doc.frontmatter.name, { id: -1, key });
          } else if (op.op === 'remove') {
            const cur = active.get(op.name);
            if (!cur) continue;
            if (cur.id > 0) retire.add(cur.id);
            else
              toAdd.splice(
                toAdd.findIndex((a) => a.doc.frontmatter.name === op.name),
                1,
              );
            active.delete(op.name);
          } else {
            const [rev] = this.revisionsByIds([op.revisionId]);
            if (!rev) throw new Error(`no skill revision ${op.revisionId}`);
            const cur = active.get(rev.name);
            if (cur?.id === rev.id) continue;
            if (cur && cur.id > 0) retire.add(cur.id);
            toActivate.push(rev);
            active.set(rev.name, { id: rev.id, key: rev.key });
          }
        }
        if (toAdd.length === 0 && toActivate.length === 0 && retire.size === 0) return null;
        this.db
          .prepare('INSERT INTO generations (number, cause, detail, created_at) VALUES (?, ?, ?, ?)')
          .run(gen, cause, detail, now);
        const close = this.db.prepare(
          'UPDATE skill_membership SET to_generation = ? WHERE revision_id = ? AND to_generation IS NULL',
        );
        const setStatus = this.db.prepare('UPDATE skill_revisions SET status = ? WHERE id = ?');
        const open = this.db.prepare(
          'INSERT INTO skill_membership (revision_id, from_generation) VALUES (?, ?)',
        );
        const pointer = this.db.prepare(
          'INSERT INTO skills (name, active_revision_id, created_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET active_revision_id = excluded.active_revision_id',
        );
        const retiredNames = new Set<string>();
        for (const id of retire) {
          close.run(gen, id);
          setStatus.run('retired', id);
          const [rev] = this.revisionsByIds([id]);
          if (rev) retiredNames.add(rev.name);
        }
        const added: SkillRevision[] = [];
        const nextRev = this.db.prepare(
          'SELECT COALESCE(MAX(revision), 0) + 1 AS n FROM skill_revisions WHERE name = ?',
        );
        const insert = this.db.prepare(
          `INSERT INTO skill_revisions (name, revision, generation, status, description, body, frontmatter, provenance, created_at)
           VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?)`,
        );
        for (const { doc, provenance } of toAdd) {
          const name = doc.frontmatter.name;
          const n = (nextRev.get(name) as { n: number }).n;
          const id = Number(
            insert.run(
              name,
              n,
              gen,
              doc.frontmatter.description,
              doc.body,
              JSON.stringify(doc.frontmatter),
              provenance ? JSON.stringify(provenance) : null,
              now,
            ).lastInsertRowid,
          );
          open.run(id, gen);
          pointer.run(name, id, now);
          retiredNames.delete(name);
          added.push(...this.revisionsByIds([id]));
        }
        for (const rev of toActivate) {
          open.run(rev.id, gen);
          setStatus.run('active', rev.id);
          pointer.run(rev.name, rev.id, now);
          retiredNames.delete(rev.name);
          added.push(rev);
        }
        const clear = this.db.prepare('UPDATE skills SET active_revision_id = NULL WHERE name = ?');
        for (const name of retiredNames) clear.run(name);
        return { generation: { number: gen, cause, detail, createdAt: now }, added, retiredIds: [...retire] };
      })
      .immediate();
  }

  /** The ops that turn the current library into generation `g`'s (evaluate inside apply). */
  rollbackOps(g: number): SkillOp[] {
    if (g < 0 || g > this.currentGeneration()) throw new Error(`no generation ${g}`);
    const target = new Map(this.members(g).map((r) => [r.name, r]));
    const ops: SkillOp[] = [];
    for (const r of this.members()) if (!target.has(r.name)) ops.push({ op: 'remove', name: r.name });
    for (const r of target.values()) ops.push({ op: 'activate', revisionId: r.id });
    return ops;
  }

  // Embedding cache: vectors per (revision, model); revisions are immutable so vectors never go stale.
  embeddings(model: string, ids?: number[]): Map<number, Float32Array> {
    const out = new Map<number, Float32Array>();
    const rows = (
      ids === undefined
        ? this.db.prepare('SELECT revision_id AS id, vector FROM skill_embeddings WHERE model = ?').all(model)
        : ids.flatMap((id) =>
            this.db
              .prepare(
                'SELECT revision_id AS id, vector FROM skill_embeddings WHERE model = ? AND revision_id = ?',
              )
              .all(model, id),
          )
    ) as { id: number; vector: Buffer }[];
    for (const r of rows)
      out.set(
        r.id,
        new Float32Array(
          r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength),
        ),
      );
    return out;
  }

  saveEmbeddings(model: string, vectors: Map<number, Float32Array>, now = Date.now()): void {
    const stmt = this.db.prepare(
      'INSERT OR REPLACE INTO skill_embeddings (revision_id, model, dims, vector, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const [id, v] of vectors)
        stmt.run(id, model, v.length, Buffer.from(v.buffer, v.byteOffset, v.byteLength), now);
    })();
  }
}
