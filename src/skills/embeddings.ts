import type { Logger } from 'pino';
import { z } from 'zod';
import type { SkillRepository, SkillRevision } from '../store/skill-repository.js';
import type { LibrarySnapshot } from './library.js';

/** Anything that turns texts into vectors; the default talks to an OpenAI-compatible `/embeddings`. */
export interface Embedder {
  readonly model: string;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

const embeddingsReply = z.object({
  data: z.array(z.object({ index: z.number().int().optional(), embedding: z.array(z.number()) })),
});

export class HttpEmbedder implements Embedder {
  constructor(
    private readonly o: {
      baseUrl: string;
      apiKey?: string;
      model: string;
      dimensions?: number;
      timeoutMs: number;
    },
  ) {}

  get model(): string {
    return this.o.dimensions ? `${this.o.model}@${this.o.dimensions}` : this.o.model;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const timeout = AbortSignal.timeout(this.o.timeoutMs);
    const res = await fetch(`${this.o.baseUrl.replace(/\/+$/, '')}/embeddings`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: this.o.model,
        input: texts,
        ...(this.o.dimensions ? { dimensions: this.o.dimensions } : {}),
      }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`embeddings endpoint answered HTTP ${res.status}: ${text.slice(0, 200)}`);
    const parsed = embeddingsReply.safeParse(JSON.parse(text));
    if (!parsed.success || parsed.data.data.length !== texts.length)
      throw new Error('embeddings endpoint returned an unexpected shape');
    const rows = [...parsed.data.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return rows.map((r) => normalise(Float32Array.from(r.embedding)));
  }
}

export function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

export function dot(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

export function embeddingText(r: SkillRevision): string {
  return `${r.name}: ${r.description}\n\n${r.body}`.slice(0, 8000);
}

const QUERY_CACHE = 512;
const RETRY_AFTER_MS = 30_000;

/**
 * Vectors for skill revisions and recent queries, filled in the background. The request path only
 * reads what is already here: a revision without a vector is found lexically, and a query without
 * a vector (first call of a new user request) is served lexically while its vector is computed, so
 * the agent's follow-up calls for the same request (tool loops) get the embedding ranking.
 */
export class EmbeddingIndex {
  /** Unit vectors by revision id; revisions are immutable, so entries only ever get added. */
  private readonly vectors = new Map<number, Float32Array>();
  private readonly queries = new Map<string, Float32Array>();
  private readonly pendingQueries = new Set<string>();
  private pendingRevisions = new Map<number, SkillRevision>();
  private running = false;
  private stopped = false;
  private failedAt = 0;
  lastError: string | null = null;

  constructor(
    private readonly embedder: Embedder,
    private readonly repo: SkillRepository,
    private readonly opts: { batchSize: number; log?: Logger },
  ) {}

  get size(): number {
    return this.vectors.size;
  }

  has(id: number): boolean {
    return this.vectors.has(id);
  }

  /** Load cached vectors for the snapshot and queue the missing ones. */
  track(snap: LibrarySnapshot, added: readonly SkillRevision[] = [...snap.byId.values()]): void {
    const missing = added.filter((r) => !this.vectors.has(r.id));
    if (missing.length === 0) return;
    for (const [id, v] of this.repo.embeddings(
      this.embedder.model,
      missing.map((r) => r.id),
    ))
      this.vectors.set(id, v);
    for (const r of missing) if (!this.vectors.has(r.id)) this.pendingRevisions.set(r.id, r);
    this.kick();
  }

  /** The query's vector if known; otherwise start computing it and return null (never waits). */
  queryVector(text: string): Float32Array | null {
    const key = text.slice(0, 2000);
    const v = this.queries.get(key);
    if (v) return v;
    if (!this.pendingQueries.has(key) && this.pendingQueries.size < 64) {
      this.pendingQueries.add(key);
      this.kick();
    }
    return null;
  }

  /** Cosine top-k among revisions the caller accepts (the snapshot's members). */
  search(
    q: Float32Array,
    accept: (id: number) => boolean,
    limit: number,
    minSimilarity: number,
  ): { id: number; score: number }[] {
    const hits: { id: number; score: number }[] = [];
    for (const [id, v] of this.vectors) {
      if (!accept(id)) continue;
      const s = dot(q, v);
      if (s >= minSimilarity) hits.push({ id, score: s });
    }
    hits.sort((a, b) => b.score - a.score || a.id - b.id);
    return hits.slice(0, limit);
  }

  /** Resolves when the background queue is empty (tests, `skills embed`). */
  async idle(): Promise<void> {
    while (
      this.running ||
      (!this.stopped &&
        (this.pendingRevisions.size > 0 || this.pendingQueries.size > 0) &&
        Date.now() - this.failedAt >= RETRY_AFTER_MS)
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private kick(): void {
    if (this.running || this.stopped || Date.now() - this.failedAt < RETRY_AFTER_MS) return;
    this.running = true;
    void this.drain().finally(() => {
      this.running = false;
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      // Queries first: a user is waiting on their follow-up calls; skills can wait.
      const queries = [...this.pendingQueries].slice(0, this.opts.batchSize);
      const revs =
        queries.length > 0 ? [] : [...this.pendingRevisions.values()].slice(0, this.opts.batchSize);
      if (queries.length === 0 && revs.length === 0) return;
      try {
        const vecs = await this.embedder.embed(queries.length > 0 ? queries : revs.map(embeddingText));
        if (queries.length > 0) {
          queries.forEach((q, i) => {
            this.pendingQueries.delete(q);
            this.queries.set(q, vecs[i]!);
          });
          while (this.queries.size > QUERY_CACHE) this.queries.delete(this.queries.keys().next().value!);
        } else {
          const batch = new Map(revs.map((r, i) => [r.id, vecs[i]!]));
          this.repo.saveEmbeddings(this.embedder.model, batch);
          for (const [id, v] of batch) {
            this.vectors.set(id, v);
            this.pendingRevisions.delete(id);
          }
        }
        this.lastError = null;
      } catch (err) {
        // Fail loud but do not hammer the endpoint: retry after a pause, lexical meanwhile.
        this.lastError = (err as Error).message;
        this.failedAt = Date.now();
        this.opts.log?.warn(
          { err: this.lastError },
          'skill embedding failed; using lexical retrieval until it works',
        );
        this.pendingQueries.clear();
        setTimeout(() => this.kick(), RETRY_AFTER_MS).unref();
        return;
      }
    }
  }
}
