import type { Logger } from 'pino';
import { retireSkillFolder, type SkillWarning, scanFolder, writeSkill } from './folder.js';
import { LexicalIndex } from './lexical.js';
import type {
  AppliedChange,
  Generation,
  GenerationCause,
  SkillOp,
  SkillRepository,
  SkillRevision,
} from './repository.js';

/**
 * One immutable view of the library: what a request sees. Readers take `library.current()` once
 * and use only that object, so a request sees one generation, never a mix.
 */
export interface LibrarySnapshot {
  readonly generation: number;
  readonly byName: ReadonlyMap<string, SkillRevision>;
  readonly byId: ReadonlyMap<number, SkillRevision>;
  /** Pinned skills, by name: always offered to injection. */
  readonly pinned: readonly SkillRevision[];
}

export type SnapshotListener = (snap: LibrarySnapshot, added: readonly SkillRevision[]) => void;

export interface SyncResult {
  generation: Generation | null;
  warnings: SkillWarning[];
}

export const EMPTY_SNAPSHOT: LibrarySnapshot = {
  generation: 0,
  byName: new Map(),
  byId: new Map(),
  pinned: [],
};

/**
 * The skill library S: the store is the source of truth; this object holds the current snapshot
 * and the lexical index. The index holds every revision of the current snapshot (plus, briefly,
 * ones being retired); searches filter by the snapshot's `byId`, so swapping the snapshot reference
 * is the single atomic step of a change set, and the index is updated per changed revision.
 */
export class SkillLibrary {
  readonly index = new LexicalIndex();
  private snap: LibrarySnapshot = EMPTY_SNAPSHOT;
  private readonly listeners: SnapshotListener[] = [];

  constructor(
    readonly repo: SkillRepository,
    private readonly opts: { dir?: string; log?: Logger } = {},
  ) {}

  get dir(): string | undefined {
    return this.opts.dir;
  }

  current(): LibrarySnapshot {
    return this.snap;
  }

  onChange(fn: SnapshotListener): void {
    this.listeners.push(fn);
  }

  /** Load the current generation from the store (start-up, or after a restart). */
  load(): LibrarySnapshot {
    const members = this.repo.members();
    this.index.addAll(members);
    this.snap = EMPTY_SNAPSHOT;
    this.swap(this.repo.currentGeneration(), [], members);
    return this.snap;
  }

  /**
   * Pick up change sets committed by anyone (this process, the CLI): applies only the delta since
   * our generation. Cheap when nothing changed (one indexed MAX query).
   */
  refresh(): boolean {
    const from = this.snap.generation;
    if (this.repo.currentGeneration() === from) return false;
    const ch = this.repo.changesSince(from);
    this.index.addAll(ch.added);
    this.swap(ch.generation, ch.removedIds, ch.added);
    // Discard only after the swap: the index stays a superset of the current snapshot.
    for (const id of ch.removedIds) if (!this.snap.byId.has(id)) this.index.discard(id);
    return true;
  }

  /**
   * Apply one change set as one generation. The folder is written first, then the store: if a
   * folder watcher (ours or another process's) sees the files before the commit, its sync makes
   * the same change and this commit becomes a no-op — never a half-applied or reverted library.
   */
  apply(ops: SkillOp[], cause: GenerationCause, detail: string | null = null): AppliedChange | null {
    if (this.opts.dir) this.mirrorOps(ops);
    const applied = this.repo.apply(ops, cause, detail);
    this.refresh();
    return applied;
  }

  /** A new generation whose members equal generation `g`'s. */
  rollback(g: number): AppliedChange | null {
    const ops = this.repo.rollbackOps(g);
    if (this.opts.dir) this.mirrorOps(ops);
    const applied = this.repo.apply(() => this.repo.rollbackOps(g), 'rollback', `to generation ${g}`);
    this.refresh();
    return applied;
  }

  /**
   * Folder → store: hand edits become one generation (cause `sync`). Broken files are skipped with
   * a warning and their skill stays as it was. A missing folder is re-created from the store
   * instead of being read as "delete everything".
   */
  sync(): SyncResult {
    const dir = this.opts.dir;
    if (!dir) return { generation: null, warnings: [] };
    const scan = scanFolder(dir);
    for (const w of scan.warnings)
      this.opts.log?.warn({ file: w.file, reason: w.reason }, 'skipping invalid skill file');
    const applied = this.repo.apply(
      () => {
        const ops: SkillOp[] = [];
        for (const { doc, file } of scan.skills.values())
          ops.push({ op: 'put', doc, provenance: { origin: 'manual', source: file } });
        for (const r of this.repo.members()) {
          if (!scan.skills.has(r.name) && !scan.broken.has(r.name)) ops.push({ op: 'remove', name: r.name });
        }
        return ops;
      },
      'sync',
      'edits in the skills folder',
    );
    this.refresh();
    if (applied)
      this.opts.log?.info(
        {
          generation: applied.generation.number,
          added: applied.added.length,
          retired: applied.retiredIds.length,
        },
        'skills folder synced',
      );
    return { generation: applied?.generation ?? null, warnings: scan.warnings };
  }

  /** Write every active skill to the folder (start-up when the folder is missing, `export`). */
  mirrorAll(dir = this.opts.dir): number {
    if (!dir) return 0;
    let n = 0;
    for (const r of this.snap.byName.values())
      if (writeSkill(dir, { frontmatter: r.frontmatter, body: r.body })) n++;
    return n;
  }

  private mirrorOps(ops: SkillOp[]): void {
    const dir = this.opts.dir!;
    const ids = ops.flatMap((o) => (o.op === 'activate' ? [o.revisionId] : []));
    const byId = new Map(this.repo.revisionsByIds(ids).map((r) => [r.id, r]));
    for (const op of ops) {
      if (op.op === 'put') writeSkill(dir, op.doc);
      else if (op.op === 'remove') retireSkillFolder(dir, op.name);
      else {
        const r = byId.get(op.revisionId);
        if (r) writeSkill(dir, { frontmatter: r.frontmatter, body: r.body });
      }
    }
  }

  /** Build the next snapshot copy-on-write from the current one plus a delta: O(N) map copies, no re-index. */
  private swap(generation: number, removedIds: readonly number[], added: readonly SkillRevision[]): void {
    const prev = this.snap;
    const byId = new Map(prev.byId);
    const byName = new Map(prev.byName);
    for (const id of removedIds) {
      const r = byId.get(id);
      if (!r) continue;
      byId.delete(id);
      if (byName.get(r.name)?.id === id) byName.delete(r.name);
    }
    for (const r of added) {
      byId.set(r.id, r);
      byName.set(r.name, r);
    }
    const pinned = prev.pinned.filter((r) => byId.has(r.id));
    for (const r of added) if (r.meta.pinned) pinned.push(r);
    pinned.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.snap = Object.freeze({ generation, byName, byId, pinned: Object.freeze(pinned) });
    for (const fn of this.listeners) {
      try {
        fn(this.snap, added);
      } catch (err) {
        this.opts.log?.error({ err }, 'skill library listener failed');
      }
    }
  }
}
