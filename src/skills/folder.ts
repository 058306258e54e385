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

/** Default for `skills.max_file_bytes`: far above any real skill, far below a memory problem. */
export const DEFAULT_MAX_SKILL_FILE_BYTES = 256 * 1024;

/** Why a skill file was not read (a warning naming the file), from readSkillFile. */
export class SkillFileSkipped extends Error {}

/**
 * Read a SKILL.md only if it is a regular file of at most `maxBytes`. Opened non-blocking and
 * checked on the open descriptor, so a FIFO (which would block the open or the read forever) or a
 * link to /dev/zero (an endless read) is refused instead of freezing the process.
 */
export function readSkillFile(file: string, maxBytes = DEFAULT_MAX_SKILL_FILE_BYTES): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new SkillFileSkipped('not a regular file; skipped');
    if (st.size > maxBytes)
      throw new SkillFileSkipped(`is ${st.size} bytes, over skills.max_file_bytes (${maxBytes}); skipped`);
    // Read at most what fstat promised (+1 to notice a file growing past the cap meanwhile).
    const buf = Buffer.alloc(st.size + 1);
    let n = 0;
    for (;;) {
      const got = fs.readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > maxBytes) throw new SkillFileSkipped(`grew past skills.max_file_bytes (${maxBytes}); skipped`);
      if (n === buf.length) break;
    }
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Read every `<dir>/<name>/SKILL.md`; broken ones become warnings, the rest still load. */
export function scanFolder(dir: string, maxFileBytes = DEFAULT_MAX_SKILL_FILE_BYTES): FolderScan {
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
      text = readSkillFile(file, maxFileBytes);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      scan.broken.add(e.name);
      const why = err instanceof SkillFileSkipped ? err.message : `cannot read: ${(err as Error).message}`;
      scan.warnings.push({ file, reason: why });
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
  const text = readSkillFile(file);
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
  const file = path.join(assertInside(dir, doc.frontmatter.name), SKILL_FILE);
  try {
    if (contentKey(parseSkill(readSkillFile(file))) === contentKey(doc)) return false;
  } catch {
    // Missing or broken: (re)write it.
  }
  writeFileAtomic(file, serializeSkill(doc));
  return true;
}

/**
 * `dir/name`, refusing when it resolves outside `dir` (a skill folder that is a symbolic link to
 * somewhere else): writing through it would put library content where the user never pointed us.
 */
export function assertInside(dir: string, name: string): string {
  const target = path.join(dir, name);
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch {
    return target; // not there yet: it is created as a plain folder under dir
  }
  const root = fs.realpathSync(dir);
  if (real === root || !real.startsWith(root + path.sep))
    throw new SkillPathError(target, `resolves to ${real}, outside ${root}; not written`);
  return target;
}

/** A write the skills folder refused because its target escapes the folder. */
export class SkillPathError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** Move a removed skill's folder aside (keeping its scripts/ and references/ recoverable). */
export function retireSkillFolder(dir: string, name: string, now = Date.now()): void {
  const src = path.join(dir, name);
  if (!fs.existsSync(src)) return;
  const dst = path.join(dir, RETIRED, `${name}.${now}`);
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.renameSync(src, dst);
}

/**
 * Copy a skill folder's extra files (everything but SKILL.md) into `dst`. Symbolic links are never
 * followed out of the source folder (a link to a secret elsewhere must not be copied into the
 * library and out again): a link to a regular file inside the folder is copied as that file, any
 * other link, FIFO or device is skipped and returned so the caller can say so.
 */
export function copyExtras(srcFolder: string, dstFolder: string): SkillWarning[] {
  if (path.resolve(srcFolder) === path.resolve(dstFolder)) return [];
  // Nor written through a link at the destination: that would put files outside the library.
  if (isLink(dstFolder)) throw new SkillPathError(dstFolder, 'is a symbolic link; not written');
  const root = fs.realpathSync(srcFolder);
  const skipped: SkillWarning[] = [];
  const walk = (src: string, dst: string, top: boolean) => {
    for (const e of fs.readdirSync(src, { withFileTypes: true })) {
      if (top && (e.name === SKILL_FILE || e.name.startsWith('.'))) continue;
      const from = path.join(src, e.name);
      const to = path.join(dst, e.name);
      if (isLink(to)) {
        skipped.push({ file: to, reason: 'is a symbolic link in the library; not overwritten' });
        continue;
      }
      let real = from;
      if (e.isSymbolicLink()) {
        try {
          real = fs.realpathSync(from);
        } catch {
          skipped.push({ file: from, reason: 'broken symbolic link; skipped' });
          continue;
        }
        if (real !== root && !real.startsWith(root + path.sep)) {
          skipped.push({ file: from, reason: `symbolic link to ${real}, outside the skill folder; skipped` });
          continue;
        }
      }
      const st = fs.statSync(real);
      if (st.isDirectory() && !e.isSymbolicLink()) {
        fs.mkdirSync(to, { recursive: true });
        walk(from, to, false);
      } else if (st.isFile()) {
        fs.mkdirSync(dst, { recursive: true });
        fs.copyFileSync(real, to);
      } else {
        const what = st.isDirectory() ? 'symbolic link to a folder' : 'not a regular file or folder';
        skipped.push({ file: from, reason: `${what}; skipped` });
      }
    }
  };
  walk(srcFolder, dstFolder, true);
  return skipped;
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
