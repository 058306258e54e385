import type { EmbeddingIndex } from './embeddings.js';
import type { LexicalIndex, LexicalQuery } from './lexical.js';
import type { LibrarySnapshot } from './library.js';
import type { SkillRevision } from './repository.js';

export type RetrievalMode = 'lexical' | 'embedding' | 'hybrid';

export interface RetrievalOptions {
  mode: RetrievalMode;
  topK: number;
  minScore: number;
  /** Fraction of the best lexical score a hit needs (0 = off). */
  minRelative?: number;
  minSimilarity: number;
}

export interface RankedSkill {
  revision: SkillRevision;
  score: number;
  pinned: boolean;
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
  }));
  if (o.topK === 0 || snap.size === out.length) return out;
  const accept = (id: number) => {
    const r = snap.get(id);
    return r !== undefined && !r.meta.pinned;
  };
  const pool = o.topK * 3;
  const found = lexical.search(query, accept, pool);
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
  const ranked = scored
    .map((h) => ({ revision: snap.get(h.id)!, score: h.score, pinned: false }))
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
