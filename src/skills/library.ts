import type { Logger } from 'pino';
import type {
  AppliedChange,
  Generation,
  GenerationCause,
  SkillOp,
  SkillRepository,
  SkillRevision,
} from '../store/skill-repository.js';
import { retireSkillFolder, SkillPathError, type SkillWarning, scanFolder, writeSkill } from './folder.js';
import type { SkillDocument } from './format.js';
import { LexicalIndex } from './lexical.js';

/** A revision with the generation spans it is a member in, as known to this process. */
interface Member {
  rev: SkillRevision;
  /** Half-open [from, to) generation spans; `to` null = still a member. Only ever appended/closed. */
  spans: { from: number; to: number | null }[];
}

/**
 * One immutable view of the library: what a request sees. Membership is answered from spans shared
 * by all snapshots: a change set only appends spans or closes open ones at a generation newer than
 * any existing snapshot, so an older snapshot's answers never change, and nothing is copied per
 * change set (O(changed skills), not O(library)).
 */
export class LibrarySnapshot {
  private names: Map<string, SkillRevision> | null = null;
  private ids: Map<number, SkillRevision> | null = null;

  constructor(
    readonly generation: number,
    private readonly members: ReadonlyMap<number, Member>,
    /** Number of active skills. */
    readonly size: number,
    /** Pinned skills, by name: always offered to injection. */
    readonly pinned: readonly SkillRevision[],
  ) {}

  has(id: number): boolean {
    const m = this.members.get(id);
    if (!m) return false;
    const g = this.generation;
    for (const s of m.spans) if (s.from <= g && (s.to === null || s.to > g)) return true;
    return false;
  }

  get(id: number): SkillRevision | undefined {
    return this.has(id) ? this.members.get(id)!.rev : undefined;
  }

  /** Active revisions by id (built once per snapshot on first use: admin and CLI, not requests). */
  get byId(): ReadonlyMap<number, SkillRevision> {
    if (!this.ids) {
      this.ids = new Map();
      for (const [id, m] of this.members) if (this.has(id)) this.ids.set(id, m.rev);
    }
    return this.ids;
  }

  get byName(): ReadonlyMap<string, SkillRevision> {
    if (!this.names) {
      this.names = new Map();
      for (const r of [...this.byId.values()].sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
      ))
        this.names.set(r.name, r);
    }
    return this.names;
  }
}

/** How long a superseded snapshot stays fully readable (its retired revisions kept). */
export const RETIRE_GRACE_MS = 60_000;

export type SnapshotListener = (snap: LibrarySnapshot, added: readonly SkillRevision[]) => void;

export interface SyncResult {
  generation: Generation | null;
  warnings: SkillWarning[];
}

/**
 * The skill library S: the store is the source of truth; this object holds the current snapshot
 * and one lexical index keyed by revision id. The index holds every member of the current
 * snapshot (plus recently retired revisions); searches filter by the snapshot's membership, so
 * swapping the snapshot reference is the single atomic step of a change set, and the index and
 * member map change only by the revisions a change set touches.
 */
export class SkillLibrary {
  readonly index = new LexicalIndex();
  /** Revisions of the current generation, plus recently retired ones (see prune). */
  private readonly members = new Map<number, Member>();
  private snap = new LibrarySnapshot(0, this.members, 0, []);
  private readonly retired: { id: number; at: number }[] = [];
  private readonly listeners: SnapshotListener[] = [];

  constructor(
    readonly repo: SkillRepository,
    private readonly opts: { dir?: string; log?: Logger; retireGraceMs?: number; maxFileBytes?: number } = {},
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
    this.swap(ch.generation, ch.removedIds, ch.added);
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
    const scan = scanFolder(dir, this.opts.maxFileBytes);
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
      if (this.mirrorOne(dir, { frontmatter: r.frontmatter, body: r.body })) n++;
    return n;
  }

  /** The store is the truth; a folder write refused for escaping the folder is skipped, loudly. */
  private mirrorOne(dir: string, doc: SkillDocument): boolean {
    try {
      return writeSkill(dir, doc);
    } catch (err) {
      if (!(err instanceof SkillPathError)) throw err;
      this.opts.log?.warn({ file: err.file }, `skills folder: ${err.message}`);
      return false;
    }
  }

  private mirrorOps(ops: SkillOp[]): void {
    const dir = this.opts.dir!;
    const ids = ops.flatMap((o) => (o.op === 'activate' ? [o.revisionId] : []));
    const byId = new Map(this.repo.revisionsByIds(ids).map((r) => [r.id, r]));
    for (const op of ops) {
      if (op.op === 'put') this.mirrorOne(dir, op.doc);
      else if (op.op === 'remove') retireSkillFolder(dir, op.name);
      else {
        const r = byId.get(op.revisionId);
        if (r) this.mirrorOne(dir, { frontmatter: r.frontmatter, body: r.body });
      }
    }
  }

  /**
   * Retired revisions stay in the member map and index for RETIRE_GRACE_MS, so a snapshot someone
   * still holds (an evolver awaiting its LLM) keeps answering fully; then they are dropped.
   */
  private prune(justRetired: readonly SkillRevision[], now = Date.now()): void {
    for (const r of justRetired) this.retired.push({ id: r.id, at: now });
    const grace = this.opts.retireGraceMs ?? RETIRE_GRACE_MS;
    while (this.retired.length > 0 && now - this.retired[0]!.at >= grace) {
      const { id } = this.retired.shift()!;
      const m = this.members.get(id);
      if (!m || this.snap.has(id) || m.spans.some((s) => s.to === null)) continue;
      this.members.delete(id);
      this.index.discard(m.rev);
    }
  }

  /**
   * Publish generation `g`: open spans for added revisions, close them for removed ones (both at
   * `g`, newer than every existing snapshot), then swap the snapshot reference — the one atomic
   * step. Retired revisions leave the index and the member map after the swap.
   */
  private swap(g: number, removedIds: readonly number[], added: readonly SkillRevision[]): void {
    const prev = this.snap;
    const removed: SkillRevision[] = [];
    for (const id of removedIds) {
      const m = this.members.get(id);
      const open = m?.spans.find((s) => s.to === null);
      if (!m || !open) continue;
      open.to = g;
      removed.push(m.rev);
    }
    for (const r of added) {
      const m = this.members.get(r.id);
      if (m) m.spans.push({ from: g, to: null });
      else this.members.set(r.id, { rev: r, spans: [{ from: g, to: null }] });
      this.index.add(r);
    }
    const pinned = prev.pinned.filter((r) => !removedIds.includes(r.id));
    for (const r of added) if (r.meta.pinned) pinned.push(r);
    pinned.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.snap = new LibrarySnapshot(
      g,
      this.members,
      prev.size + added.length - removed.length,
      Object.freeze(pinned),
    );
    this.prune(removed);
    for (const fn of this.listeners) {
      try {
        fn(this.snap, added);
      } catch (err) {
        this.opts.log?.error({ err }, 'skill library listener failed');
      }
    }
  }
}
