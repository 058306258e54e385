import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanFolder } from '../../../src/skills/folder.js';
import {
  parseSkill,
  type SkillDocument,
  serializeSkill,
  skillMeta,
  validateSkill,
} from '../../../src/skills/format.js';
import { starterDir } from '../../../src/skills/starter.js';
import { doc, tmpDir, writeSkillFile } from './helpers.js';

const ok = (fm: string, body = 'Do the thing.') => `---\n${fm}\n---\n\n${body}\n`;

describe('SKILL.md format', () => {
  it('accepts names of lowercase letters, digits and single hyphens up to 64 chars', () => {
    for (const name of ['a', 'git-hygiene', 'step2-verify', 'x'.repeat(64)]) {
      expect(parseSkill(ok(`name: ${name}\ndescription: d`)).frontmatter.name).toBe(name);
    }
  });

  it.each([
    ['Upper-Case', /lowercase/],
    ['double--hyphen', /single hyphens/],
    ['-leading', /hyphen/],
    ['trailing-', /hyphen/],
    ['under_score', /lowercase/],
    ['x'.repeat(65), /longer than 64/],
  ])('rejects the name %s', (name, why) => {
    expect(() => parseSkill(ok(`name: "${name}"\ndescription: d`))).toThrow(why);
  });

  it('enforces description presence and the 1024-character limit', () => {
    expect(parseSkill(ok(`name: a\ndescription: ${'d'.repeat(1024)}`)).frontmatter.description).toHaveLength(
      1024,
    );
    expect(() => parseSkill(ok(`name: a\ndescription: ${'d'.repeat(1025)}`))).toThrow(/longer than 1024/);
    expect(() => parseSkill(ok('name: a\ndescription: ""'))).toThrow(/description is empty/);
    expect(() => parseSkill(ok('name: a'))).toThrow(/description/);
  });

  it('requires the name to equal the folder name', () => {
    expect(() => parseSkill(ok('name: a\ndescription: d'), 'b')).toThrow(/does not match its folder "b"/);
  });

  it('rejects missing or unclosed frontmatter and bad YAML', () => {
    expect(() => parseSkill('# just markdown')).toThrow(/frontmatter/);
    expect(() => parseSkill('---\nname: a\ndescription: d\n')).toThrow(/not closed/);
    expect(() => parseSkill(ok('name: a\ndescription: [unclosed'))).toThrow(/invalid YAML/);
    expect(() => parseSkill(ok('- a\n- b'))).toThrow(/not a YAML map/);
  });

  it('reads MetaClaw fields from metadata, leniently', () => {
    const d = parseSkill(
      ok(
        'name: a\ndescription: d\nmetadata:\n  pinned: "true"\n  tags: git, safety\n  origin: evolved\n  category: coding',
      ),
    );
    expect(skillMeta(d.frontmatter)).toEqual({
      category: 'coding',
      tags: ['git', 'safety'],
      origin: 'evolved',
      pinned: true,
    });
    expect(skillMeta(doc('a', 'd').frontmatter)).toEqual({
      category: null,
      tags: [],
      origin: null,
      pinned: false,
    });
  });

  it('keeps optional spec fields and unknown keys through a round trip', () => {
    const text = ok(
      'name: a\ndescription: d\nlicense: MIT\ncompatibility: needs git\nallowed-tools: Bash Read\nversion: 3\nmetadata:\n  origin: manual',
    );
    const d = parseSkill(text);
    expect(parseSkill(serializeSkill(d))).toEqual(d);
    expect((d.frontmatter as Record<string, unknown>).version).toBe(3);
  });

  it('round-trips any valid document (property)', () => {
    const name = fc.stringMatching(/^[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,3}$/);
    const text = fc.string({ minLength: 1, maxLength: 300 }).filter((s) => s.trim().length > 0);
    const body = fc.array(
      fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.constantFrom('---', '# Title', '  indented', '```', '- item: x'),
      ),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(
        name,
        text,
        body,
        fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 20 })),
        (n, desc, lines, meta) => {
          const d: SkillDocument = validateSkill({
            frontmatter: { name: n, description: desc, metadata: meta },
            body: lines.join('\n'),
          });
          expect(parseSkill(serializeSkill(d))).toEqual(d);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('skills folder scan', () => {
  it('skips broken files with a warning naming the file and reason; the rest load', () => {
    const dir = tmpDir();
    writeSkillFile(dir, 'good-one', ok('name: good-one\ndescription: fine'));
    const bad1 = writeSkillFile(dir, 'BadName', ok('name: BadName\ndescription: d'));
    const bad2 = writeSkillFile(dir, 'mismatch', ok('name: other\ndescription: d'));
    const bad3 = writeSkillFile(dir, 'no-front', 'hello');
    fs.mkdirSync(path.join(dir, 'just-scripts', 'scripts'), { recursive: true });
    writeSkillFile(path.join(dir, '.retired'), 'old', ok('name: old\ndescription: d'));
    const scan = scanFolder(dir);
    expect([...scan.skills.keys()]).toEqual(['good-one']);
    const byFile = new Map(scan.warnings.map((w) => [w.file, w.reason]));
    expect(byFile.get(bad1)).toMatch(/name must be lowercase/);
    expect(byFile.get(bad2)).toMatch(/does not match its folder/);
    expect(byFile.get(bad3)).toMatch(/frontmatter/);
    expect(scan.broken).toEqual(new Set(['BadName', 'mismatch', 'no-front']));
  });

  it('a missing folder is an empty scan, not an error', () => {
    expect(scanFolder(path.join(tmpDir(), 'nope')).skills.size).toBe(0);
  });

  it('ships 10–15 valid starter skills', () => {
    const scan = scanFolder(starterDir());
    expect(scan.warnings).toEqual([]);
    expect(scan.skills.size).toBeGreaterThanOrEqual(10);
    expect(scan.skills.size).toBeLessThanOrEqual(15);
    for (const { doc: d } of scan.skills.values()) expect(skillMeta(d.frontmatter).origin).toBe('starter');
  });
});
