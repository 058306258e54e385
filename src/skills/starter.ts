import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SkillOp } from '../store/skill-repository.js';
import type { SkillWarning } from './folder.js';
import { scanFolder } from './folder.js';
import type { SkillDocument } from './format.js';
import type { LibrarySnapshot } from './library.js';

/** `skills-starter/` at the package root: two levels up from both src/skills and dist/skills. */
export function starterDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../skills-starter');
}

/**
 * Ops that import Agent-Skills folders from `dir`. Existing skills are replaced (their old
 * revisions stay in history) unless `keepExisting`, which `skills init` uses so it never
 * overwrites a starter skill the user has since edited.
 */
export function importOps(
  dir: string,
  snap: LibrarySnapshot,
  opts: { origin: 'imported' | 'starter'; keepExisting?: boolean },
): { ops: SkillOp[]; folders: Map<string, string>; warnings: SkillWarning[]; skipped: string[] } {
  const scan = scanFolder(dir);
  const ops: SkillOp[] = [];
  const folders = new Map<string, string>();
  const skipped: string[] = [];
  for (const [name, { doc, file }] of scan.skills) {
    if (opts.keepExisting && snap.byName.has(name)) {
      skipped.push(name);
      continue;
    }
    ops.push({
      op: 'put',
      doc: withOrigin(doc, opts.origin),
      provenance: { origin: opts.origin, source: file },
    });
    folders.set(name, path.dirname(file));
  }
  return { ops, folders, warnings: scan.warnings, skipped };
}

/** Tag where a skill came from, unless it already says so. */
export function withOrigin(doc: SkillDocument, origin: string): SkillDocument {
  const metadata = (doc.frontmatter.metadata ?? {}) as Record<string, unknown>;
  if (metadata.origin !== undefined) return doc;
  return { frontmatter: { ...doc.frontmatter, metadata: { ...metadata, origin } }, body: doc.body };
}
