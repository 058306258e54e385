import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildView } from '../../../src/protocol/view.js';
import { chainedPrefixHashes } from '../../../src/sessions/prefix-hash.js';
import { BlockComposer } from '../../../src/skills/budget.js';
import { parseSkill } from '../../../src/skills/format.js';
import { SkillInjector } from '../../../src/skills/inject.js';
import { SkillLibrary } from '../../../src/skills/library.js';
import { openStore } from '../../../src/store/db.js';
import { SkillRepository } from '../../../src/store/skill-repository.js';
import { doc, freshLibrary, tmpDir, writeSkillFile } from './helpers.js';

describe('library generations and revisions', () => {
  it('one change set = one generation, however many skills it touches; no-op sets make none', () => {
    const { lib } = freshLibrary();
    expect(lib.current().generation).toBe(0);
    const a = lib.apply(
      [
        { op: 'put', doc: doc('alpha', 'first') },
        { op: 'put', doc: doc('beta', 'second') },
      ],
      'manual',
    );
    expect(a?.generation.number).toBe(1);
    expect(lib.current().generation).toBe(1);
    expect(lib.current().byName.size).toBe(2);
    expect(lib.apply([{ op: 'put', doc: doc('alpha', 'first') }], 'manual')).toBeNull();
    expect(lib.apply([{ op: 'remove', name: 'nope' }], 'manual')).toBeNull();
    expect(lib.current().generation).toBe(1);
    lib.apply(
      [
        { op: 'put', doc: doc('alpha', 'first, improved') },
        { op: 'remove', name: 'beta' },
      ],
      'evolution',
      'evo 1',
    );
    expect(lib.current().generation).toBe(2);
    expect([...lib.current().byName.keys()]).toEqual(['alpha']);
    expect(lib.repo.generations().map((g) => g.cause)).toEqual(['evolution', 'manual']);
  });

  it('keeps every revision immutable in history with the generations it was live in', () => {
    const { lib } = freshLibrary();
    lib.apply([{ op: 'put', doc: doc('alpha', 'v1') }], 'manual');
    lib.apply([{ op: 'put', doc: doc('alpha', 'v2') }], 'manual');
    lib.apply([{ op: 'remove', name: 'alpha' }], 'manual');
    const h = lib.repo.history('alpha');
    expect(h.map((r) => [r.revision, r.description, r.spans])).toEqual([
      [1, 'v1', [{ from: 1, to: 2 }]],
      [2, 'v2', [{ from: 2, to: 3 }]],
    ]);
    expect(lib.repo.members(1).map((r) => r.description)).toEqual(['v1']);
    expect(lib.repo.members(3)).toEqual([]);
  });

  it('rollback creates a new generation equal to the old one', () => {
    const { lib } = freshLibrary();
    lib.apply(
      [
        { op: 'put', doc: doc('alpha', 'v1') },
        { op: 'put', doc: doc('beta', 'b1') },
      ],
      'manual',
    );
    lib.apply(
      [
        { op: 'put', doc: doc('alpha', 'v2') },
        { op: 'remove', name: 'beta' },
        { op: 'put', doc: doc('gamma', 'g1') },
      ],
      'evolution',
    );
    const r = lib.rollback(1);
    expect(r?.generation).toMatchObject({ number: 3, cause: 'rollback' });
    const ids = (g: number) => lib.repo.members(g).map((x) => x.id);
    expect(ids(3)).toEqual(ids(1));
    expect([...lib.current().byName.values()].map((x) => `${x.name}:${x.description}`).sort()).toEqual([
      'alpha:v1',
      'beta:b1',
    ]);
    // Rolling back to what is already live changes nothing.
    expect(lib.rollback(3)).toBeNull();
    expect(() => lib.rollback(9)).toThrow(/no generation 9/);
  });

  it('a restart keeps the generation, revisions and retrieval', () => {
    const { lib, db, file } = freshLibrary();
    lib.apply(
      [{ op: 'put', doc: doc('docker-compose', 'Run multi-container apps with docker compose') }],
      'manual',
    );
    lib.apply([{ op: 'put', doc: doc('sql-index', 'Speed up slow SQL queries with indexes') }], 'manual');
    db.close();
    const again = freshLibrary({ file });
    expect(again.lib.current().generation).toBe(2);
    expect([...again.lib.current().byName.keys()].sort()).toEqual(['docker-compose', 'sql-index']);
    const hits = again.lib.index.search(
      { primary: 'my sql query is slow' },
      (id) => again.lib.current().byId.has(id),
      3,
    );
    expect(again.lib.current().byId.get(hits[0]!.id)?.name).toBe('sql-index');
    expect(again.lib.apply([{ op: 'remove', name: 'sql-index' }], 'manual')?.generation.number).toBe(3);
  });

  it('another process’s change sets arrive incrementally through refresh()', () => {
    const a = freshLibrary();
    const db2 = openStore(a.file);
    const b = new SkillLibrary(new SkillRepository(db2));
    b.load();
    expect(b.refresh()).toBe(false);
    a.lib.apply([{ op: 'put', doc: doc('alpha', 'v1') }], 'manual');
    a.lib.apply(
      [
        { op: 'put', doc: doc('alpha', 'v2') },
        { op: 'put', doc: doc('beta', 'b') },
      ],
      'manual',
    );
    expect(b.refresh()).toBe(true);
    expect(b.current().generation).toBe(2);
    expect([...b.current().byName.values()].map((r) => r.description).sort()).toEqual(['b', 'v2']);
    // The old alpha revision left the index; the new one is in it — no rebuild.
    expect(b.index.size).toBe(2);
  });

  it('snapshots are immutable: a held snapshot never changes under its reader', () => {
    const { lib } = freshLibrary();
    lib.apply([{ op: 'put', doc: doc('alpha', 'v1') }], 'manual');
    const held = lib.current();
    lib.apply(
      [
        { op: 'put', doc: doc('alpha', 'v2') },
        { op: 'put', doc: doc('beta', 'b') },
      ],
      'manual',
    );
    expect(held.generation).toBe(1);
    expect(held.size).toBe(1);
    expect([...held.byName.values()].map((r) => r.description)).toEqual(['v1']);
    expect(held.has(lib.current().byName.get('alpha')!.id)).toBe(false);
    expect(lib.current().byName.get('alpha')?.description).toBe('v2');
  });

  it('drops retired revisions from the index after the grace period, not before', () => {
    const { db } = freshLibrary();
    const lib = new SkillLibrary(new SkillRepository(db), { retireGraceMs: 0 });
    lib.load();
    lib.apply([{ op: 'put', doc: doc('alpha', 'v1') }], 'manual');
    lib.apply([{ op: 'put', doc: doc('alpha', 'v2') }], 'manual');
    expect(lib.index.size).toBe(1);
    const slow = freshLibrary();
    slow.lib.apply([{ op: 'put', doc: doc('alpha', 'v1') }], 'manual');
    const held = slow.lib.current();
    slow.lib.apply([{ op: 'put', doc: doc('alpha', 'v2') }], 'manual');
    // Within the grace period a held snapshot still finds its own revision.
    expect(slow.lib.index.size).toBe(2);
    const hits = slow.lib.index.search({ primary: 'v1' }, (id) => held.has(id), 3);
    expect(hits.map((h) => held.get(h.id)?.description)).toEqual(['v1']);
  });

  it('every injection sees exactly one generation while change sets are applied', () => {
    const { lib } = freshLibrary();
    const counter = { count: (t: string) => Math.ceil(t.length / 4) };
    const inj = new SkillInjector(lib, new BlockComposer(counter), null, {
      mode: 'lexical',
      topK: 10,
      maxFull: 10,
      budgetTokens: 100_000,
      minScore: 0,
      minRelative: 0,
      minSimilarity: 0,
      contextMessages: 0,
      placement: 'system',
    });
    const body = { messages: [{ role: 'user', content: 'deploy the service safely' }] };
    for (let g = 0; g < 30; g++) {
      // Each generation replaces every skill, so a mix of two generations would be visible.
      lib.apply(
        Array.from({ length: 5 }, (_, i) => ({
          op: 'put' as const,
          doc: doc(`deploy-${i}`, `deploy service safely, version ${g}`),
        })),
        'manual',
      );
      // A new session each time: one task keeps its pinned block, a new one reads the live library.
      const view = buildView('openai-chat', body);
      const r = inj.inject(body, {
        view,
        kind: 'main',
        sessionId: `s${g}`,
        prefixHashes: chainedPrefixHashes(view.stable),
      });
      const members = new Set(lib.repo.members(r.libraryGeneration).map((x) => x.id));
      expect(r.injectedRevisionIds.length).toBe(5);
      for (const id of r.injectedRevisionIds) expect(members.has(id)).toBe(true);
    }
  });
});

describe('folder mirror and sync', () => {
  it('mirrors applied change sets into the folder atomically, keeping extra files on removal', () => {
    const dir = tmpDir();
    const { lib } = freshLibrary({ dir });
    lib.apply([{ op: 'put', doc: doc('alpha', 'v1', 'Body one.') }], 'manual');
    const file = path.join(dir, 'alpha', 'SKILL.md');
    expect(parseSkill(fs.readFileSync(file, 'utf8'), 'alpha').body).toBe('Body one.');
    fs.mkdirSync(path.join(dir, 'alpha', 'scripts'));
    fs.writeFileSync(path.join(dir, 'alpha', 'scripts', 'run.sh'), 'echo hi');
    lib.apply([{ op: 'remove', name: 'alpha' }], 'manual');
    expect(fs.existsSync(file)).toBe(false);
    const retired = fs.readdirSync(path.join(dir, '.retired'));
    expect(fs.existsSync(path.join(dir, '.retired', retired[0]!, 'scripts', 'run.sh'))).toBe(true);
    expect(fs.readdirSync(path.join(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('turns hand edits into one sync generation; broken files keep their skill', () => {
    const dir = tmpDir();
    const { lib } = freshLibrary({ dir });
    lib.apply(
      [
        { op: 'put', doc: doc('alpha', 'v1') },
        { op: 'put', doc: doc('beta', 'b1') },
      ],
      'manual',
    );
    expect(lib.sync().generation).toBeNull();
    writeSkillFile(dir, 'alpha', '---\nname: alpha\ndescription: edited by hand\n---\nNew body.\n');
    writeSkillFile(dir, 'gamma', '---\nname: gamma\ndescription: new by hand\n---\n');
    writeSkillFile(dir, 'beta', '---\nname: beta\ndescription: [broken\n---\n');
    const r = lib.sync();
    expect(r.generation).toMatchObject({ number: 2, cause: 'sync' });
    expect(r.warnings).toEqual([
      { file: path.join(dir, 'beta', 'SKILL.md'), reason: expect.stringMatching(/invalid YAML/) },
    ]);
    const snap = lib.current();
    expect(snap.byName.get('alpha')?.description).toBe('edited by hand');
    expect(snap.byName.get('beta')?.description).toBe('b1');
    expect(snap.byName.has('gamma')).toBe(true);
    fs.rmSync(path.join(dir, 'gamma'), { recursive: true });
    expect(lib.sync().generation?.number).toBe(3);
    expect(lib.current().byName.has('gamma')).toBe(false);
  });

  it('does not rewrite a hand-formatted file whose content is unchanged', () => {
    const dir = tmpDir();
    const { lib } = freshLibrary({ dir });
    const text = "---\ndescription:   'quoted'\nname: alpha\n---\n\nBody.\n";
    writeSkillFile(dir, 'alpha', text);
    lib.sync();
    lib.apply([{ op: 'put', doc: doc('alpha', 'quoted', 'Body.') }], 'manual');
    expect(fs.readFileSync(path.join(dir, 'alpha', 'SKILL.md'), 'utf8')).toBe(text);
  });
});
