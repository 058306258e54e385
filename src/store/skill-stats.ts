import type { Db } from './db.js';

export type SkillStatusFilter = 'active' | 'retired' | 'all';

/** One skill as the dashboard lists it: which revision to show and whether it is live. */
export interface SkillPageRow {
  name: string;
  /** The active revision, or (retired skills) the newest one. */
  revisionId: number;
  active: boolean;
  /** Generation of the skill's first revision. */
  generationAdded: number;
}

/** Use counts of one skill over all its revisions, from the dash_skill_usage rollup. */
export interface SkillUsage {
  injected: number;
  judged: number;
  rewardSum: number;
  helpful: number;
  harmful: number;
  /** Judged turns (and their reward sum) of the generations it was live in, without it. */
  withoutJudged: number;
  withoutRewardSum: number;
}

const EMPTY: SkillUsage = {
  injected: 0,
  judged: 0,
  rewardSum: 0,
  helpful: 0,
  harmful: 0,
  withoutJudged: 0,
  withoutRewardSum: 0,
};

/** `%`, `_` and `\` in a search are literal characters, not LIKE wildcards. */
const likePattern = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Read-only queries behind the dashboard's skill views. They read the library tables and the
 * trigger-kept rollups (dash_skill_usage, dash_learning), never the turns table, so a page costs
 * a few indexed lookups per skill on any store size.
 */
export class SkillStatsRepository {
  constructor(private readonly db: Db) {}

  /** A page of skills by name; `q` matches name or description (case-insensitive substring). */
  page(o: { q?: string; status: SkillStatusFilter; limit: number; offset: number }): {
    rows: SkillPageRow[];
    total: number;
  } {
    const where: string[] = [];
    const args: unknown[] = [];
    if (o.status === 'active') where.push('s.active_revision_id IS NOT NULL');
    if (o.status === 'retired') where.push('s.active_revision_id IS NULL');
    if (o.q?.trim()) {
      where.push(`(lower(s.name) LIKE ? ESCAPE '\\' OR lower(r.description) LIKE ? ESCAPE '\\')`);
      args.push(likePattern(o.q.trim()), likePattern(o.q.trim()));
    }
    const from = `FROM skills s JOIN skill_revisions r ON r.id = COALESCE(s.active_revision_id,
        (SELECT x.id FROM skill_revisions x WHERE x.name = s.name ORDER BY x.revision DESC LIMIT 1))
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    const total = (this.db.prepare(`SELECT COUNT(*) AS n ${from}`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(
        `SELECT s.name, r.id AS revisionId, s.active_revision_id IS NOT NULL AS active,
           (SELECT MIN(x.generation) FROM skill_revisions x WHERE x.name = s.name) AS generationAdded
         ${from} ORDER BY s.name LIMIT ? OFFSET ?`,
      )
      .all(...args, o.limit, o.offset) as (Omit<SkillPageRow, 'active'> & { active: number })[];
    return { rows: rows.map((r) => ({ ...r, active: r.active === 1 })), total };
  }

  /** One skill's row, or null when no skill of this name ever existed. */
  row(name: string): SkillPageRow | null {
    const r = this.db
      .prepare(
        `SELECT s.name, COALESCE(s.active_revision_id,
           (SELECT x.id FROM skill_revisions x WHERE x.name = s.name ORDER BY x.revision DESC LIMIT 1)) AS revisionId,
           s.active_revision_id IS NOT NULL AS active,
           (SELECT MIN(x.generation) FROM skill_revisions x WHERE x.name = s.name) AS generationAdded
         FROM skills s WHERE s.name = ?`,
      )
      .get(name) as (Omit<SkillPageRow, 'active'> & { active: number }) | undefined;
    return r && r.revisionId !== null ? { ...r, active: r.active === 1 } : null;
  }

  /**
   * Use counts per skill name. "Without" = judged turns of the generations the skill was live in
   * (dash_learning) minus its own judged turns in those generations: the same period's baseline.
   */
  usage(names: readonly string[]): Map<string, SkillUsage> {
    const out = new Map<string, SkillUsage>();
    if (names.length === 0) return out;
    const own = this.db
      .prepare(
        `SELECT r.name, SUM(u.injected) AS injected, SUM(u.judged) AS judged, SUM(u.reward_sum) AS rewardSum,
           SUM(u.helpful) AS helpful, SUM(u.harmful) AS harmful
         FROM dash_skill_usage u JOIN skill_revisions r ON r.id = u.revision_id
         WHERE r.name IN (SELECT value FROM json_each(?)) GROUP BY r.name`,
      )
      .all(JSON.stringify(names)) as ({ name: string } & Omit<
      SkillUsage,
      'withoutJudged' | 'withoutRewardSum'
    >)[];
    for (const r of own) {
      const { name, ...counts } = r;
      out.set(name, { ...EMPTY, ...counts });
    }
    const without = this.db.prepare(
      `WITH spans AS (
         SELECT m.from_generation AS f, m.to_generation AS t FROM skill_membership m
         JOIN skill_revisions r ON r.id = m.revision_id WHERE r.name = ?),
       gens AS (
         SELECT DISTINCT l.generation AS g FROM dash_learning l, spans s
         WHERE l.generation >= s.f AND (s.t IS NULL OR l.generation < s.t)),
       total AS (
         SELECT COALESCE(SUM(judged), 0) AS n, COALESCE(SUM(reward_sum), 0) AS s
         FROM dash_learning WHERE generation IN (SELECT g FROM gens)),
       mine AS (
         SELECT COALESCE(SUM(u.judged), 0) AS n, COALESCE(SUM(u.reward_sum), 0) AS s
         FROM dash_skill_usage u JOIN skill_revisions r ON r.id = u.revision_id
         WHERE r.name = ? AND u.generation IN (SELECT g FROM gens))
       SELECT total.n - mine.n AS n, total.s - mine.s AS s FROM total, mine`,
    );
    for (const name of names) {
      const w = without.get(name, name) as { n: number; s: number };
      const u = out.get(name) ?? { ...EMPTY };
      out.set(name, { ...u, withoutJudged: w.n, withoutRewardSum: w.s });
    }
    return out;
  }
}
