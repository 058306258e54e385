import type { SkillRevision } from '../store/skill-repository.js';
import type { EmbeddingIndex } from './embeddings.js';
import { type LexicalIndex, type LexicalQuery, terms } from './lexical.js';
import type { LibrarySnapshot } from './library.js';

export type RetrievalMode = 'lexical' | 'embedding' | 'hybrid';

export interface RetrievalOptions {
  mode: RetrievalMode;
  topK: number;
  minScore: number;
  /** Fraction of the best lexical score a hit needs (0 = off). */
  minRelative?: number;
  minSimilarity: number;
  /**
   * Lexical hits must share at least one of the request's terms with the skill's name,
   * description or tags: a skill matched only through words of its body is about something else.
   */
  requireHeadMatch?: boolean;
  /** Head coverage (see LexicalIndex.headCoverage) a skill needs for its full body; weaker ones get a line. */
  fullMinCoverage?: number;
}

export interface RankedSkill {
  revision: SkillRevision;
  score: number;
  pinned: boolean;
  /** Lexical head coverage of the request (1 for pinned skills, and for embedding-only hits). */
  coverage: number;
  /** Relevant enough for its full body (else at most a one-line mention). */
  strong: boolean;
}

/** Reciprocal-rank-fusion constant: the usual 60 keeps one list's #1 from drowning the other. */
const RRF_K = 60;

/**
 * Rank the snapshot's skills for a query: pinned skills first (by name), then up to `topK` by
 * relevance. Ties break by name, so the same library and query always give the same order.
 * Pure apart from reading the indexes; never waits for embeddings.
 */
export function rankSkills(
  snap: LibrarySnapshot,
  lexical: LexicalIndex,
  embeddings: EmbeddingIndex | null,
  query: LexicalQuery,
  o: RetrievalOptions,
): RankedSkill[] {
  const out: RankedSkill[] = snap.pinned.map((r) => ({
    revision: r,
    score: Number.POSITIVE_INFINITY,
    pinned: true,
    coverage: 1,
    strong: true,
  }));
  if (o.topK === 0 || snap.size === out.length) return out;
  const accept = (id: number) => {
    const r = snap.get(id);
    return r !== undefined && !r.meta.pinned;
  };
  const pool = o.topK * 3;
  const qTerms = [...new Set(terms(query.primary))];
  const coverage = new Map<number, number>();
  const coverageOf = (id: number) => {
    let c = coverage.get(id);
    if (c === undefined) {
      c = lexical.headCoverage(qTerms, snap.get(id)!);
      coverage.set(id, c);
    }
    return c;
  };
  let found = lexical.search(query, accept, pool);
  if (o.requireHeadMatch) found = found.filter((h) => coverageOf(h.id) > 0);
  const floor = Math.max(o.minScore, (found[0]?.score ?? 0) * (o.minRelative ?? 0));
  const lex = found.filter((h) => h.score >= floor);
  let scored: { id: number; score: number }[] = lex;
  const qv = o.mode !== 'lexical' && embeddings ? embeddings.queryVector(query.primary) : null;
  if (qv && embeddings) {
    const emb = embeddings.search(qv, accept, pool, o.minSimilarity);
    // Embedding mode still lets not-yet-embedded revisions in through their lexical rank.
    const lexList = o.mode === 'hybrid' ? lex : lex.filter((h) => !embeddings.has(h.id));
    scored = fuse([emb, lexList]);
  }
  const lexical_ = new Set(lex.map((h) => h.id));
  const fullMin = o.fullMinCoverage ?? 0;
  const ranked = scored
    .map((h) => {
      // Embedding-only hits have no lexical evidence to weigh: their similarity floor decided.
      const c = lexical_.has(h.id) ? coverageOf(h.id) : 1;
      return { revision: snap.get(h.id)!, score: h.score, pinned: false, coverage: c, strong: c >= fullMin };
    })
    .sort((a, b) => b.score - a.score || (a.revision.name < b.revision.name ? -1 : 1));
  return out.concat(ranked.slice(0, o.topK));
}

/** Reciprocal rank fusion of ranked lists (each best-first). */
export function fuse(lists: { id: number; score: number }[][]): { id: number; score: number }[] {
  const acc = new Map<number, number>();
  for (const list of lists) {
    for (let i = 0; i < list.length; i++)
      acc.set(list[i]!.id, (acc.get(list[i]!.id) ?? 0) + 1 / (RRF_K + i + 1));
  }
  return [...acc].map(([id, score]) => ({ id, score }));
}
