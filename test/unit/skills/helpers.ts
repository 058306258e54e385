import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SkillDocument } from '../../../src/skills/format.js';
import { SkillLibrary } from '../../../src/skills/library.js';
import { type Db, openStore } from '../../../src/store/db.js';
import { SkillRepository } from '../../../src/store/skill-repository.js';

export function tmpDir(prefix = 'metaclaw-skills-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function doc(
  name: string,
  description: string,
  body = '',
  metadata?: Record<string, unknown>,
): SkillDocument {
  return { frontmatter: { name, description, ...(metadata ? { metadata } : {}) }, body };
}

/** A library over a fresh SQLite file (and optionally a folder). */
export function freshLibrary(opts: { dir?: string; file?: string } = {}): {
  lib: SkillLibrary;
  db: Db;
  file: string;
} {
  const file = opts.file ?? path.join(tmpDir(), 'store.db');
  const db = openStore(file);
  const lib = new SkillLibrary(new SkillRepository(db), { dir: opts.dir });
  lib.load();
  return { lib, db, file };
}

export function writeSkillFile(dir: string, folder: string, text: string): string {
  const f = path.join(dir, folder, 'SKILL.md');
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}
