import MiniSearch from 'minisearch';
import type { SkillRevision } from './repository.js';

/**
 * BM25 lexical index over skill revisions (MiniSearch). One index for all revisions ever loaded,
 * keyed by revision id; a search is filtered by the caller's snapshot membership, so a change set
 * only adds/discards the revisions it touches — never a rebuild.
 */

const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can could do does did for from had has have how i if in into is it its ' +
    'me my of on or our please so than that the their them then there these they this to us was we were what ' +
    'when where which while who why will with would you your just also about after before any all some should ' +
    'need want get make let use using via not no yes ok hi hello thanks thank'
  ).split(' '),
);

/** Tiny suffix stripper so "deploying", "deployed" and "deploys" meet "deploy". */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 4) return w;
  for (const [suf, rep] of [
    ['ies', 'y'],
    ['ing', ''],
    ['ed', ''],
    ['es', ''],
    ['s', ''],
    ['ly', ''],
  ] as const) {
    if (w.endsWith(suf) && w.length - suf.length >= 3) {
      if (suf === 's' && (w.endsWith('ss') || w.endsWith('us') || w.endsWith('is'))) continue;
      w = w.slice(0, -suf.length) + rep;
      // "running" → "runn" → "run": undouble a final consonant left by -ing/-ed.
      if ((suf === 'ing' || suf === 'ed') && /([^aeiouls])\1$/.test(w)) w = w.slice(0, -1);
      break;
    }
  }
  return w;
}

const SPLIT = /[^\p{L}\p{N}]+/u;

/** Terms as indexed: lower case, camelCase and snake_case split, stopwords out, stemmed. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.replace(/([a-z])([A-Z])/g, '$1 $2').split(SPLIT)) {
    if (raw.length < 2 || raw.length > 40) continue;
    const t = raw.toLowerCase();
    if (STOPWORDS.has(t)) continue;
    out.push(stem(t));
  }
  return out;
}

interface IndexedDoc {
  id: number;
  name: string;
  description: string;
  tags: string;
  body: string;
}

export interface LexicalHit {
  id: number;
  score: number;
}

export interface LexicalQuery {
  /** The latest user request: full weight. */
  primary: string;
  /** Recent context: a little weight. */
  context?: string;
}

/** Query terms are capped so a pasted log cannot make retrieval slow. */
const MAX_QUERY_TERMS = 48;
const CONTEXT_WEIGHT = 0.35;

export class LexicalIndex {
  private readonly ms: MiniSearch<IndexedDoc>;
  private readonly ids = new Set<number>();

  constructor() {
    this.ms = new MiniSearch<IndexedDoc>({
      fields: ['name', 'description', 'tags', 'body'],
      idField: 'id',
      tokenize: (text) => [text],
      processTerm: (text) => terms(text),
      autoVacuum: { minDirtCount: 200, minDirtFactor: 0.2, batchSize: 1000, batchWait: 10 },
    });
  }

  get size(): number {
    return this.ids.size;
  }

  has(id: number): boolean {
    return this.ids.has(id);
  }

  add(rev: SkillRevision): void {
    if (this.ids.has(rev.id)) return;
    this.ms.add({
      id: rev.id,
      name: rev.name.replace(/-/g, ' '),
      description: rev.description,
      tags: [rev.meta.category ?? '', ...rev.meta.tags].join(' '),
      body: rev.body,
    });
    this.ids.add(rev.id);
  }

  addAll(revs: Iterable<SkillRevision>): void {
    const fresh = [...revs].filter((r) => !this.ids.has(r.id));
    for (const r of fresh) this.add(r);
  }

  /** Lazy removal: MiniSearch marks it discarded and vacuums in the background. */
  discard(id: number): void {
    if (!this.ids.delete(id)) return;
    this.ms.discard(id);
  }

  search(q: LexicalQuery, accept: (id: number) => boolean, limit: number): LexicalHit[] {
    const primary = dedupe(terms(q.primary));
    const context = dedupe(terms(q.context ?? '')).filter((t) => !primary.includes(t));
    const all = [...primary, ...context].slice(0, MAX_QUERY_TERMS);
    if (all.length === 0) return [];
    const nPrimary = Math.min(primary.length, all.length);
    const results = this.ms.search(all.join(' '), {
      combineWith: 'OR',
      // Terms are already processed; MiniSearch must not stem them twice.
      tokenize: (t) => t.split(' '),
      processTerm: (t) => t,
      boost: { name: 3, tags: 2, description: 2, body: 1 },
      boostTerm: (_t, i) => (i < nPrimary ? 1 : CONTEXT_WEIGHT),
      prefix: (t) => t.length >= 5,
      weights: { fuzzy: 0, prefix: 0.3 },
      filter: (r) => accept(r.id as number),
    });
    const hits: LexicalHit[] = [];
    for (const r of results) {
      hits.push({ id: r.id as number, score: r.score });
      if (hits.length >= limit) break;
    }
    return hits;
  }
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}
