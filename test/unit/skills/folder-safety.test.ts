import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { assertInside, copyExtras, SkillPathError, writeSkill } from '../../../src/skills/folder.js';
import { SkillLibrary } from '../../../src/skills/library.js';
import { openStore } from '../../../src/store/db.js';
import { SkillRepository } from '../../../src/store/skill-repository.js';
import { tempHome } from '../../helpers/tmp.js';
import { doc } from './helpers.js';

describe('copyExtras (issue 17 point 9)', () => {
  it('never follows a symbolic link out of the skill folder, and says what it skipped', () => {
    const base = tempHome('metaclaw-extras-');
    const secret = path.join(base, 'secret.txt');
    fs.writeFileSync(secret, 'top secret');
    const src = path.join(base, 'src', 'my-skill');
    fs.mkdirSync(path.join(src, 'scripts'), { recursive: true });
    fs.writeFileSync(path.join(src, 'SKILL.md'), '---\nname: my-skill\ndescription: d\n---\nbody\n');
    fs.writeFileSync(path.join(src, 'scripts', 'run.sh'), 'echo hi');
    fs.symlinkSync(secret, path.join(src, 'scripts', 'leak.txt'));
    fs.symlinkSync(path.join(base), path.join(src, 'everything'));
    fs.symlinkSync('run.sh', path.join(src, 'scripts', 'alias.sh'));

    const dst = path.join(base, 'library', 'my-skill');
    const skipped = copyExtras(src, dst);

    expect(fs.readFileSync(path.join(dst, 'scripts', 'run.sh'), 'utf8')).toBe('echo hi');
    // A link inside the folder is copied as the file it names.
    expect(fs.readFileSync(path.join(dst, 'scripts', 'alias.sh'), 'utf8')).toBe('echo hi');
    expect(fs.existsSync(path.join(dst, 'scripts', 'leak.txt'))).toBe(false);
    expect(fs.existsSync(path.join(dst, 'everything'))).toBe(false);
    const files = skipped.map((s) => path.relative(src, s.file)).sort();
    expect(files).toEqual(['everything', path.join('scripts', 'leak.txt')]);
    expect(skipped.find((s) => s.file.endsWith('leak.txt'))?.reason).toMatch(/outside the skill folder/);
  });
});

describe('writes never go through a link out of the skills folder (issue 17 point 9)', () => {
  /** A skills folder whose `evil` skill folder is a link to a folder elsewhere. */
  function linkedFolder() {
    const base = tempHome('metaclaw-linkwrite-');
    const outside = path.join(base, 'outside');
    const dir = path.join(base, 'skills');
    fs.mkdirSync(outside, { recursive: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.symlinkSync(outside, path.join(dir, 'evil'));
    return { base, outside, dir };
  }

  it('writeSkill refuses a skill folder that resolves outside, and writes normal ones', () => {
    const { outside, dir } = linkedFolder();
    expect(() => writeSkill(dir, doc('evil', 'd', 'body'))).toThrow(SkillPathError);
    expect(() => assertInside(dir, 'evil')).toThrow(/outside/);
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(writeSkill(dir, doc('good', 'd', 'body'))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'good', 'SKILL.md'), 'utf8')).toContain('body');
  });

  it('the library (what evolution and the API write through) keeps the skill in the store and skips the folder write, with a warning', () => {
    const { base, outside, dir } = linkedFolder();
    const warnings: string[] = [];
    const log = { warn: (_o: unknown, msg: string) => warnings.push(msg), info() {} } as unknown as Logger;
    const db = openStore(path.join(base, 'store.db'));
    const lib = new SkillLibrary(new SkillRepository(db), { dir, log });
    lib.load();
    const applied = lib.apply([{ op: 'put', doc: doc('evil', 'd', 'evolved body') }], 'evolution', 'test');
    expect(applied).not.toBeNull();
    expect(lib.current().byName.has('evil')).toBe(true);
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(warnings.join('\n')).toMatch(/evil: resolves to .*outside.*not written/);
    db.close();
  });

  it('copyExtras refuses a linked destination folder and never overwrites through a link inside it', () => {
    const { base, outside, dir } = linkedFolder();
    const src = path.join(base, 'src', 'evil');
    fs.mkdirSync(path.join(src, 'scripts'), { recursive: true });
    fs.writeFileSync(path.join(src, 'scripts', 'run.sh'), 'echo new');
    expect(() => copyExtras(src, path.join(dir, 'evil'))).toThrow(SkillPathError);
    expect(fs.readdirSync(outside)).toEqual([]);

    const victim = path.join(outside, 'victim.sh');
    fs.writeFileSync(victim, 'keep me');
    const dst = path.join(dir, 'plain');
    fs.mkdirSync(path.join(dst, 'scripts'), { recursive: true });
    fs.symlinkSync(victim, path.join(dst, 'scripts', 'run.sh'));
    const skipped = copyExtras(src, dst);
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me');
    expect(skipped.map((w) => w.reason)).toEqual(['is a symbolic link in the library; not overwritten']);
  });
});
