import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExtras } from '../../../src/skills/folder.js';
import { tempHome } from '../../helpers/tmp.js';

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
