import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { contentKey, parseSkill, SKILL_NAME_RE, type SkillDocument, serializeSkill } from './format.js';

/**
 * The skills folder on disk: `<dir>/<name>/SKILL.md`, readable by other agents directly. Files are
 * written atomically (temp + rename) so a reader never sees half a file. Hidden entries (like the
 * `.retired/` folder removed skills move to) are not skills.
 */

export const SKILL_FILE = 'SKILL.md';
const RETIRED = '.retired';

export interface SkillWarning {
  file: string;
  reason: string;
}

export interface FolderScan {
  skills: Map<string, { doc: SkillDocument; file: string }>;
  /** Folder names whose SKILL.md is broken: their active skill must be kept, not removed. */
  broken: Set<string>;
  warnings: SkillWarning[];
}

/** Read every `<dir>/<name>/SKILL.md`; broken ones become warnings, the rest still load. */
export function scanFolder(dir: string): FolderScan {
  const scan: FolderScan = { skills: new Map(), broken: new Set(), warnings: [] };
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return scan;
    throw err;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.') || !(e.isDirectory() || e.isSymbolicLink())) continue;
    const file = path.join(dir, e.name, SKILL_FILE);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      scan.broken.add(e.name);
      scan.warnings.push({ file, reason: `cannot read: ${(err as Error).message}` });
      continue;
    }
    try {
      const doc = parseSkill(text, e.name);
      scan.skills.set(doc.frontmatter.name, { doc, file });
    } catch (err) {
      scan.broken.add(e.name);
      scan.warnings.push({ file, reason: (err as Error).message });
    }
  }
  return scan;
}

/** Read one skill from a folder or a SKILL.md path (for `skills add PATH`). */
export function readSkillAt(p: string): { doc: SkillDocument; folder: string; file: string } {
  const stat = fs.statSync(p);
  const file = stat.isDirectory() ? path.join(p, SKILL_FILE) : p;
  const folder = path.dirname(path.resolve(file));
  const text = fs.readFileSync(file, 'utf8');
  // A folder named after the skill must match it; a loose file's folder name is not checked.
  const folderName = path.basename(folder);
  const doc = parseSkill(text, SKILL_NAME_RE.test(folderName) && stat.isDirectory() ? folderName : undefined);
  return { doc, folder, file };
}

export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  fs.writeFileSync(tmp, text, { mode: 0o644 });
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Write one skill's SKILL.md unless the file already holds the same content, so a hand-edited
 * file's formatting survives and our own writes do not trigger endless sync loops.
 */
export function writeSkill(dir: string, doc: SkillDocument): boolean {
  const file = path.join(dir, doc.frontmatter.name, SKILL_FILE);
  try {
    if (contentKey(parseSkill(fs.readFileSync(file, 'utf8'))) === contentKey(doc)) return false;
  } catch {
    // Missing or broken: (re)write it.
  }
  writeFileAtomic(file, serializeSkill(doc));
  return true;
}

/** Move a removed skill's folder aside (keeping its scripts/ and references/ recoverable). */
export function retireSkillFolder(dir: string, name: string, now = Date.now()): void {
  const src = path.join(dir, name);
  if (!fs.existsSync(src)) return;
  const dst = path.join(dir, RETIRED, `${name}.${now}`);
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.renameSync(src, dst);
}

/** Copy a skill folder's extra files (everything but SKILL.md) into `dst`. */
export function copyExtras(srcFolder: string, dstFolder: string): void {
  if (path.resolve(srcFolder) === path.resolve(dstFolder)) return;
  for (const e of fs.readdirSync(srcFolder, { withFileTypes: true })) {
    if (e.name === SKILL_FILE || e.name.startsWith('.')) continue;
    fs.mkdirSync(dstFolder, { recursive: true });
    fs.cpSync(path.join(srcFolder, e.name), path.join(dstFolder, e.name), {
      recursive: true,
      dereference: true,
    });
  }
}
