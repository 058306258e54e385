import type { Config } from '../config/schema.js';
import { buildView } from '../protocol/view.js';
import { HttpError, sendJson } from '../server/http-util.js';
import type { Route } from '../server/router.js';
import type { SkillRevision } from '../store/skill-repository.js';
import { blockEntries } from './candidate.js';
import type { InjectorOptions, SkillInjector } from './inject.js';
import { terms } from './lexical.js';
import type { SkillLibrary } from './library.js';
import { extractQuery } from './query.js';

/** The JSON view of a revision shared by the admin API and `skills list --json`. */
export function revisionView(r: SkillRevision, withBody = false) {
  return {
    name: r.name,
    description: r.description,
    revision_id: r.id,
    revision: r.revision,
    generation: r.generation,
    category: r.meta.category,
    tags: r.meta.tags,
    origin: r.meta.origin ?? r.provenance?.origin ?? null,
    pinned: r.meta.pinned,
    helpful: r.helpful,
    harmful: r.harmful,
    created_at: r.createdAt,
    ...(withBody ? { frontmatter: r.frontmatter, body: r.body, provenance: r.provenance } : {}),
  };
}

/** The injector's options from `skills.*` (the service and the CLI's offline `skills why`). */
export function injectorOptions(cfg: Config['skills']): InjectorOptions {
  return {
    mode: cfg.retrieval,
    topK: cfg.top_k,
    maxFull: cfg.max_full,
    budgetTokens: cfg.budget_tokens,
    minScore: cfg.min_score,
    minRelative: cfg.min_relative,
    minSimilarity: cfg.min_similarity,
    requireHeadMatch: cfg.require_head_match,
    fullMinCoverage: cfg.full_min_coverage,
    contextMessages: cfg.context_messages,
    placement: cfg.placement,
  };
}

/** One ranked skill in `skills why`: its score and what the composer did with it. */
export interface WhySkill {
  rank: number;
  name: string;
  revision_id: number;
  /** Retrieval score (BM25, or fused rank score); null for pinned skills (always first). */
  score: number | null;
  pinned: boolean;
  /** Share of the request's IDF-weighted words the skill's name, description and tags cover. */
  coverage: number;
  injected: 'full' | 'line' | 'cut';
  why: string;
}

/** A lexical hit retrieval considered and dropped before ranking. */
export interface WhyDropped {
  name: string;
  score: number;
  coverage: number;
  why: string;
}

export interface WhyReport {
  query: string;
  generation: number;
  retrieval: string;
  placement: string;
  budget_tokens: number;
  /** Tokens of the block that would be injected (0: nothing would be). */
  block_tokens: number;
  skills: WhySkill[];
  dropped: WhyDropped[];
  block: string | null;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const num = (x: number) => (Math.round(x * 100) / 100).toString();

/**
 * What retrieval would inject for a request whose user message is `text`, from the live library:
 * `select()` ranks and composes exactly as for a live request, and each skill's fate is read from
 * the composer's result. Lexical hits dropped before ranking are listed with the rule that
 * dropped them (no shared head word, the relative or absolute floor, top_k).
 */
export function explainWhy(injector: SkillInjector, library: SkillLibrary, text: string): WhyReport {
  const o = injector.options;
  const snap = library.current();
  const view = buildView('openai-chat', { messages: [{ role: 'user', content: text }] });
  const { ranked, block } = injector.select(view);
  const entries = blockEntries(block, (id) => ranked.find((r) => r.revision.id === id)?.revision.name);
  const how = new Map(entries.map((e) => [e.id, e.how]));
  const fullCount = entries.filter((e) => e.how === 'full').length;
  // Walk the ranking as the composer did: full bodies while it can, then lines, in order.
  let fullMode = o.maxFull > 0;
  const skills: WhySkill[] = ranked.map((r, i) => {
    const h = how.get(r.revision.id);
    let why: string;
    if (h === 'full') why = r.pinned ? 'pinned: always offered' : 'full body';
    else if (h === 'line') {
      if (o.maxFull <= 0) why = 'one line: skills.max_full is 0';
      else if (!fullMode) why = 'one line: ranked after a one-line skill (relevance order is kept)';
      else if (!r.strong)
        why = `one line: its head covers ${pct(r.coverage)} of the request (a full body needs ${pct(o.fullMinCoverage ?? 0)})`;
      else if (fullCount >= o.maxFull) why = `one line: max_full (${o.maxFull}) reached`;
      else why = 'one line: its full body did not fit the token budget';
      fullMode = false;
    } else {
      why = 'cut: over the token budget';
      fullMode = false;
    }
    return {
      rank: i + 1,
      name: r.revision.name,
      revision_id: r.revision.id,
      score: Number.isFinite(r.score) ? r.score : null,
      pinned: r.pinned,
      coverage: r.coverage,
      injected: h ?? 'cut',
      why,
    };
  });
  const dropped: WhyDropped[] = [];
  if (view.request !== '' && o.topK > 0) {
    const query = extractQuery(view, o.contextMessages);
    const qTerms = [...new Set(terms(query.primary))];
    const inRanking = new Set(ranked.map((r) => r.revision.id));
    const hits = library.index.search(
      query,
      (id) => {
        const r = snap.get(id);
        return r !== undefined && !r.meta.pinned;
      },
      o.topK * 3,
    );
    const cov = (id: number) => library.index.headCoverage(qTerms, snap.get(id)!);
    const headHits = o.requireHeadMatch ? hits.filter((h) => cov(h.id) > 0) : hits;
    const best = headHits[0]?.score ?? 0;
    const floor = Math.max(o.minScore, best * (o.minRelative ?? 0));
    for (const h of hits) {
      if (inRanking.has(h.id)) continue;
      const c = cov(h.id);
      let why: string;
      if (o.requireHeadMatch && c === 0)
        why = 'no word in common with its name, description or tags (skills.require_head_match)';
      else if (h.score < floor)
        why =
          floor === o.minScore
            ? `below skills.min_score (${num(h.score)} < ${num(o.minScore)})`
            : `below the relative floor (${num(h.score)} < ${o.minRelative} × best ${num(best)})`;
      else if (o.mode !== 'lexical') why = `not among the top ${o.topK} after fusion with embeddings`;
      else why = `beyond skills.top_k (${o.topK})`;
      dropped.push({ name: snap.get(h.id)!.name, score: h.score, coverage: c, why });
    }
  }
  // The composer's own count (ComposedBlock.tokens): `select()` returns the composer's result.
  const counted = (block as { tokens?: unknown } | null)?.tokens;
  const tokens = typeof counted === 'number' ? counted : 0;
  return {
    query: text,
    generation: snap.generation,
    retrieval: o.mode,
    placement: o.placement,
    budget_tokens: o.budgetTokens,
    block_tokens: tokens,
    skills,
    dropped,
    block: block?.text ?? null,
  };
}

/** Read-only admin API over the skill library: `skills why` and the generation history. */
export function skillAdminRoutes(library: SkillLibrary, injector: SkillInjector | null = null): Route[] {
  const route = (path: string, handler: Route['handler']): Route => ({
    method: 'GET',
    path,
    auth: true,
    errorShape: 'openai',
    handler,
  });
  return [
    route('/v1/admin/skills/why', ({ res, url }) => {
      const q = url.searchParams.get('q');
      if (!q?.trim())
        throw new HttpError(400, 'missing query parameter q (the request text)', 'invalid_request_error');
      if (!injector)
        throw new HttpError(409, 'skills are disabled (skills.enabled: false)', 'invalid_request_error');
      sendJson(res, 200, explainWhy(injector, library, q));
    }),
    // GET /v1/admin/skills and /v1/admin/skills/:name moved to the dashboard API
    // (src/admin-api/routes/skills.ts), which answers a superset of their fields.
    route('/v1/admin/generations', ({ res }) => {
      const snap = library.current();
      const data = library.repo
        .generations()
        .map((g) => ({ number: g.number, cause: g.cause, detail: g.detail, created_at: g.createdAt }));
      sendJson(res, 200, { object: 'list', current: snap.generation, data });
    }),
    route('/v1/admin/generations/:number', ({ res, params }) => {
      const n = Number(params.number);
      if (!Number.isInteger(n) || n < 0 || n > library.repo.currentGeneration())
        throw new HttpError(404, `no generation ${params.number}`, 'not_found_error');
      sendJson(res, 200, { number: n, skills: library.repo.members(n).map((r) => revisionView(r)) });
    }),
  ];
}
