import type { SkillRevision } from '../store/skill-repository.js';

/**
 * BM25 lexical index over skill revisions: one index keyed by revision id; a search is filtered by
 * the caller's snapshot membership, so a change set only adds/discards the revisions it touches —
 * never a rebuild.
 *
 * Why not MiniSearch: it allocates a result object per matching (term, document) pair; at 10k
 * skills a 20-word query touches a few thousand postings, and its p99 was 5–25 ms (GC-bound) on
 * the reference box — over the 2 ms budget (bench/skills.ts prints both side by side). This index
 * keeps postings in typed arrays and scores into a reused buffer: no allocation per posting.
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
      // "-es" is a suffix only after a sibilant ("fixes", "pushes"); "dates" is "date" + "s".
      if (suf === 'es' && !/(?:[sxz]|ch|sh)es$/.test(w)) continue;
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
const MAX_QUERY_TERMS = 32;
const CONTEXT_WEIGHT = 0.35;
/**
 * Posting budget per query: terms are taken rarest first until their document frequencies add up
 * to this. Very common terms carry little BM25 weight (low IDF) but cost the most to score.
 */
const POSTINGS_BUDGET = 40_000;
const MIN_TERMS = 4;
/** BM25 parameters, and the weight of name/tags/description over the body (a BM25F-style blend). */
const K1 = 1.2;
const B = 0.75;
const HEAD_WEIGHT = 2.5;

/** One term's postings: document slots and weighted term frequencies, unordered, swap-removed. */
class Postings {
  slots = new Int32Array(4);
  tfs = new Float32Array(4);
  n = 0;

  push(slot: number, tf: number): void {
    if (this.n === this.slots.length) {
      const slots = new Int32Array(this.n * 2);
      slots.set(this.slots);
      const tfs = new Float32Array(this.n * 2);
      tfs.set(this.tfs);
      this.slots = slots;
      this.tfs = tfs;
    }
    this.slots[this.n] = slot;
    this.tfs[this.n] = tf;
    this.n++;
  }

  remove(slot: number): void {
    for (let i = 0; i < this.n; i++) {
      if (this.slots[i] !== slot) continue;
      this.n--;
      this.slots[i] = this.slots[this.n]!;
      this.tfs[i] = this.tfs[this.n]!;
      return;
    }
  }
}

/** Weighted term frequencies and length of one revision, derived from its text alone. */
function headTerms(rev: SkillRevision): string[] {
  return terms(
    [rev.name.replace(/-/g, ' '), rev.meta.category ?? '', ...rev.meta.tags, rev.description].join(' '),
  );
}

function docVector(rev: SkillRevision): { tf: Map<string, number>; length: number } {
  const head = headTerms(rev);
  const body = terms(rev.body);
  const tf = new Map<string, number>();
  for (const t of head) tf.set(t, (tf.get(t) ?? 0) + HEAD_WEIGHT);
  for (const t of body) tf.set(t, (tf.get(t) ?? 0) + 1);
  return { tf, length: head.length * HEAD_WEIGHT + body.length };
}

export class LexicalIndex {
  private readonly postings = new Map<string, Postings>();
  private readonly slotOf = new Map<number, number>();
  /** Head term sets of indexed revisions (headCoverage runs for every candidate on every request). */
  private readonly heads = new Map<number, Set<string>>();
  private ids = new Int32Array(64);
  private lengths = new Float32Array(64);
  private readonly free: number[] = [];
  private nextSlot = 0;
  private totalLength = 0;
  // Scratch buffers reused by every search (search is synchronous, so never shared concurrently).
  private scores = new Float64Array(64);
  private seen = new Uint32Array(64);
  private touched = new Int32Array(64);
  private stamp = 0;

  get size(): number {
    return this.slotOf.size;
  }

  has(id: number): boolean {
    return this.slotOf.has(id);
  }

  /** Document frequency of an already-processed term. */
  df(term: string): number {
    return this.postings.get(term)?.n ?? 0;
  }

  /**
   * How much of the request the skill's head (name, category, tags, description) speaks to: the
   * IDF mass of the query's terms found in the head over that of all its terms (terms the library
   * has never seen count with the highest IDF). 0 … 1 whatever the library's size, which makes it
   * a floor that means the same in a 10-skill and a 10k-skill library, unlike raw BM25 scores.
   */
  headCoverage(queryTerms: readonly string[], rev: SkillRevision): number {
    if (queryTerms.length === 0) return 0;
    let head = this.heads.get(rev.id);
    if (!head) {
      // A revision never changes: its head terms are tokenised and stemmed once, not per request.
      head = new Set(headTerms(rev));
      if (this.slotOf.has(rev.id)) this.heads.set(rev.id, head);
    }
    const docs = this.slotOf.size;
    let all = 0;
    let hit = 0;
    for (const t of queryTerms) {
      const n = this.df(t);
      const idf = Math.log(1 + (docs - n + 0.5) / (n + 0.5));
      all += idf;
      if (head.has(t)) hit += idf;
    }
    return all > 0 ? hit / all : 0;
  }

  add(rev: SkillRevision): void {
    if (this.slotOf.has(rev.id)) return;
    const { tf, length } = docVector(rev);
    const slot = this.free.pop() ?? this.nextSlot++;
    this.ensure(slot + 1);
    this.slotOf.set(rev.id, slot);
    this.ids[slot] = rev.id;
    this.lengths[slot] = length;
    this.totalLength += length;
    for (const [t, f] of tf) {
      let p = this.postings.get(t);
      if (!p) {
        p = new Postings();
        this.postings.set(t, p);
      }
      p.push(slot, f);
    }
  }

  addAll(revs: Iterable<SkillRevision>): void {
    for (const r of revs) this.add(r);
  }

  /** Remove one revision: O(its terms × their postings), no rebuild. */
  discard(rev: SkillRevision): void {
    const slot = this.slotOf.get(rev.id);
    if (slot === undefined) return;
    for (const t of docVector(rev).tf.keys()) {
      const p = this.postings.get(t);
      if (!p) continue;
      p.remove(slot);
      if (p.n === 0) this.postings.delete(t);
    }
    this.totalLength -= this.lengths[slot]!;
    this.slotOf.delete(rev.id);
    this.heads.delete(rev.id);
    this.free.push(slot);
  }

  search(q: LexicalQuery, accept: (id: number) => boolean, limit: number): LexicalHit[] {
    const docs = this.slotOf.size;
    if (docs === 0 || limit <= 0) return [];
    const picked = this.pickTerms(q);
    if (picked.length === 0) return [];
    const avgLength = this.totalLength / docs || 1;
    this.stamp = (this.stamp + 1) >>> 0 || 1;
    let nTouched = 0;
    for (const { p, weight } of picked) {
      const idf = Math.log(1 + (docs - p.n + 0.5) / (p.n + 0.5)) * weight;
      for (let i = 0; i < p.n; i++) {
        const slot = p.slots[i]!;
        const tf = p.tfs[i]!;
        const s = (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * this.lengths[slot]!) / avgLength));
        if (this.seen[slot] !== this.stamp) {
          this.seen[slot] = this.stamp;
          this.scores[slot] = s;
          this.touched[nTouched++] = slot;
        } else this.scores[slot]! += s;
      }
    }
    // Top `limit` by score (ties: lower revision id), asking `accept` only for contenders.
    const top: LexicalHit[] = [];
    for (let i = 0; i < nTouched; i++) {
      const slot = this.touched[i]!;
      const score = this.scores[slot]!;
      const id = this.ids[slot]!;
      if (top.length === limit) {
        const last = top[limit - 1]!;
        if (score < last.score || (score === last.score && id > last.id)) continue;
      }
      if (!accept(id)) continue;
      let at = top.length;
      while (at > 0 && (top[at - 1]!.score < score || (top[at - 1]!.score === score && top[at - 1]!.id > id)))
        at--;
      top.splice(at, 0, { id, score });
      if (top.length > limit) top.pop();
    }
    return top;
  }

  /** Primary terms first, then context; rarest first in each; within the posting budget. */
  private pickTerms(q: LexicalQuery): { p: Postings; weight: number }[] {
    const primary = new Set(terms(q.primary));
    const context = new Set(terms(q.context ?? '').filter((t) => !primary.has(t)));
    const picked: { p: Postings; weight: number }[] = [];
    let postings = 0;
    for (const [set, weight] of [
      [primary, 1],
      [context, CONTEXT_WEIGHT],
    ] as const) {
      const list: { t: string; p: Postings }[] = [];
      for (const t of set) {
        const p = this.postings.get(t);
        if (p) list.push({ t, p });
      }
      list.sort((a, b) => a.p.n - b.p.n || (a.t < b.t ? -1 : 1));
      for (const { p } of list) {
        if (picked.length >= MAX_QUERY_TERMS) break;
        if (picked.length >= MIN_TERMS && postings + p.n > POSTINGS_BUDGET) continue;
        picked.push({ p, weight });
        postings += p.n;
      }
    }
    return picked;
  }

  private ensure(n: number): void {
    if (n <= this.ids.length) return;
    const cap = Math.max(n, this.ids.length * 2);
    const grow = <T extends Int32Array | Float32Array | Float64Array | Uint32Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.ids = grow(this.ids, (k) => new Int32Array(k));
    this.lengths = grow(this.lengths, (k) => new Float32Array(k));
    this.scores = grow(this.scores, (k) => new Float64Array(k));
    this.seen = grow(this.seen, (k) => new Uint32Array(k));
    this.touched = grow(this.touched, (k) => new Int32Array(k));
  }
}
