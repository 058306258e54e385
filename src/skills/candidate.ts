import type { SkillOp, SkillRevision } from '../store/skill-repository.js';
import { contentKey, skillMeta } from './format.js';
import type { RetrievalSource } from './inject.js';
import { LexicalIndex } from './lexical.js';
import { LibrarySnapshot, type SkillLibrary } from './library.js';

/**
 * Ids for revisions that exist only in a candidate library. They sit above any id SQLite will hand
 * out in practice (so a candidate revision loses score ties to older revisions, as its stored
 * revision will), and are never reused within a process: the block composer caches pieces by
 * revision id, so a reused id could show an earlier candidate's text.
 */
const CANDIDATE_ID_BASE = 2_000_000_000;
let nextCandidateId = CANDIDATE_ID_BASE;

export function isCandidateId(id: number): boolean {
  return id >= CANDIDATE_ID_BASE;
}

/** A library as it would be after a change set, for retrieval only: nothing is committed. */
export interface CandidateLibrary extends RetrievalSource {
  /** The live generation the change set was applied to (the candidate's own number is one more). */
  base: number;
  /** Skills the change set adds or updates: name → its revision in the candidate. */
  changed: Map<string, SkillRevision>;
  /** Skills the change set removes. */
  removed: Set<string>;
  /** Revision id → skill name, for every member (candidate revisions included). */
  names: Map<number, string>;
}

/** Revisions indexed between two yields to the event loop (~25 ms of work at 10k skills). */
const INDEX_SLICE = 250;

/**
 * The current snapshot with `ops` applied as `SkillRepository.apply` would (a put equal to the
 * active revision keeps it; a remove drops the skill; activate brings back a stored revision), and
 * a fresh lexical index over exactly those members — so its document frequencies and lengths are
 * the candidate library's, and the live index and snapshot are never touched. Indexing a large
 * library takes a while (about a second at 10k skills), so it yields to the event loop between
 * slices: requests being served meanwhile are not held up.
 */
export async function buildCandidate(
  library: SkillLibrary,
  ops: readonly SkillOp[],
  o: { slice?: number } = {},
): Promise<CandidateLibrary> {
  const live = library.current();
  const byName = new Map(live.byName);
  const changed = new Map<string, SkillRevision>();
  const removed = new Set<string>();
  const activate = ops.flatMap((o) => (o.op === 'activate' ? [o.revisionId] : []));
  const stored = new Map(library.repo.revisionsByIds(activate).map((r) => [r.id, r]));
  const now = Date.now();
  for (const op of ops) {
    if (op.op === 'remove') {
      byName.delete(op.name);
      changed.delete(op.name);
      removed.add(op.name);
      continue;
    }
    let rev: SkillRevision | undefined;
    if (op.op === 'activate') rev = stored.get(op.revisionId);
    else {
      const name = op.doc.frontmatter.name;
      const key = contentKey(op.doc);
      const cur = byName.get(name);
      rev =
        cur?.key === key
          ? cur
          : {
              id: nextCandidateId++,
              name,
              revision: (cur?.revision ?? 0) + 1,
              generation: live.generation + 1,
              description: op.doc.frontmatter.description,
              body: op.doc.body,
              frontmatter: op.doc.frontmatter,
              meta: skillMeta(op.doc.frontmatter),
              provenance: op.provenance ?? null,
              helpful: 0,
              harmful: 0,
              createdAt: now,
              key,
            };
    }
    if (!rev) continue;
    byName.set(rev.name, rev);
    removed.delete(rev.name);
    if (op.op === 'put') changed.set(rev.name, rev);
  }
  const generation = live.generation + 1;
  const members = new Map<number, { rev: SkillRevision; spans: { from: number; to: number | null }[] }>();
  const names = new Map<number, string>();
  const index = new LexicalIndex();
  const pinned: SkillRevision[] = [];
  const slice = o.slice ?? INDEX_SLICE;
  let n = 0;
  for (const rev of byName.values()) {
    members.set(rev.id, { rev, spans: [{ from: generation, to: null }] });
    names.set(rev.id, rev.name);
    index.add(rev);
    if (rev.meta.pinned) pinned.push(rev);
    if (++n % slice === 0) await new Promise((r) => setImmediate(r));
  }
  pinned.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const snap = new LibrarySnapshot(generation, members, members.size, Object.freeze(pinned));
  return { snap, index, base: live.generation, changed, removed, names };
}

/** One revision in a composed block, in block order: full bodies first, then one-liners. */
export interface BlockEntry {
  id: number;
  name: string;
  how: 'full' | 'line';
}

/**
 * Which revisions a block holds and how, read from the composer's result: its `full` count when
 * it carries one (BlockComposer's ComposedBlock), else from the text (a full piece opens with
 * `### <name>` on its own line).
 */
export function blockEntries(
  block: { text: string; revisionIds: number[]; full?: number } | null,
  nameOf: (id: number) => string | undefined,
): BlockEntry[] {
  if (!block) return [];
  const out: BlockEntry[] = [];
  for (const [i, id] of block.revisionIds.entries()) {
    const name = nameOf(id);
    if (name === undefined) continue;
    const full = typeof block.full === 'number' ? i < block.full : block.text.includes(`\n### ${name}\n`);
    out.push({ id, name, how: full ? 'full' : 'line' });
  }
  return out;
}
