import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { storePath } from '../config/load.js';
import { revisionView } from '../skills/admin.js';
import {
  assertInside,
  copyExtras,
  readSkillAt,
  SkillPathError,
  type SkillWarning,
  writeSkill,
} from '../skills/folder.js';
import { contentKey, type SkillDocument, serializeSkill } from '../skills/format.js';
import { SkillLibrary } from '../skills/library.js';
import { skillsDir } from '../skills/runtime.js';
import { importOps, starterDir, withOrigin } from '../skills/starter.js';
import { openStore } from '../store/db.js';
import { type SkillOp, SkillRepository } from '../store/skill-repository.js';
import { CliError, type GlobalOptions, loadOrExit, printJson } from './context.js';
import { columns, compactDiff, formatTime, lineDiff, truncate } from './format.js';
import { printWhy, whyReport } from './skills-why.js';
import { addStatusSection } from './status.js';

/**
 * `metaclaw skills …` works on the store and the folder directly, whether or not the service is
 * running: SQLite WAL lets both open the store, and the service polls the generation number, so a
 * change made here is live for its next request.
 */
function withLibrary<T>(
  cmd: Command,
  fn: (lib: SkillLibrary, dir: string) => T,
  o: { readOnly?: boolean } = {},
): T {
  const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
  const file = storePath(loaded);
  // Looking never creates a store: with none yet, a read shows an empty library.
  const db = openStore(o.readOnly && !fs.existsSync(file) ? ':memory:' : file);
  try {
    const dir = skillsDir(loaded);
    // No logger: commands print warnings (broken SKILL.md files) to stderr themselves.
    const lib = new SkillLibrary(new SkillRepository(db), { dir });
    lib.load();
    return fn(lib, dir);
  } finally {
    db.close();
  }
}

/** `dir/name` for writing, or a CLI error when it is a link out of the skills folder. */
function safeTarget(dir: string, name: string): string {
  try {
    return assertInside(dir, name);
  } catch (err) {
    if (err instanceof SkillPathError) throw new CliError(`refusing to write skill ${name}: ${err.message}`);
    throw err;
  }
}

function warn(warnings: SkillWarning[]): void {
  for (const w of warnings) console.error(`metaclaw: warning: skipped ${w.file}: ${w.reason}`);
}

function genLine(lib: SkillLibrary, applied: ReturnType<SkillLibrary['apply']>, what: string): void {
  if (!applied) {
    console.log(`${what}: nothing changed (library stays at the same generation)`);
    return;
  }
  // A replaced revision is a change, not a retirement: only skills that left the library count.
  const changedNames = new Set(applied.added.map((r) => r.name));
  const retired = lib.repo.revisionsByIds(applied.retiredIds).filter((r) => !changedNames.has(r.name)).length;
  console.log(
    `${what}: generation ${applied.generation.number} (${applied.added.length} added/changed, ${retired} retired)`,
  );
}

/** Ops that would change nothing but the origin tag: importing a skill the library already has. */
function dropIdentical(ops: SkillOp[], lib: SkillLibrary): SkillOp[] {
  const snap = lib.current();
  const bare = (doc: SkillDocument) => {
    const { origin: _o, ...metadata } = (doc.frontmatter.metadata ?? {}) as Record<string, unknown>;
    return contentKey({ frontmatter: { ...doc.frontmatter, metadata }, body: doc.body });
  };
  return ops.filter((op) => {
    if (op.op !== 'put') return true;
    const cur = snap.byName.get(op.doc.frontmatter.name);
    return !cur || bare({ frontmatter: cur.frontmatter, body: cur.body }) !== bare(op.doc);
  });
}

export function registerSkills(program: Command): void {
  addStatusSection(({ dbFile }) => {
    const db = openStore(dbFile);
    try {
      const repo = new SkillRepository(db);
      return { skills: `generation ${repo.currentGeneration()}, ${repo.activeCount()} active` };
    } finally {
      db.close();
    }
  });
  const skills = program
    .command('skills')
    .description('the skill library: Agent-Skills SKILL.md folders with generations');
  const json = (c: Command) => c.option('--json', 'machine-readable output');

  skills
    .command('init')
    .description('install the starter skills (keeps any you already have)')
    .action((_o, cmd: Command) =>
      withLibrary(cmd, (lib, dir) => {
        const { ops, folders, warnings, skipped } = importOps(starterDir(), lib.current(), {
          origin: 'starter',
          keepExisting: true,
        });
        warn(warnings);
        for (const [name, folder] of folders) warn(copyExtras(folder, safeTarget(dir, name)));
        genLine(
          lib,
          lib.apply(ops, 'import', 'starter skills'),
          `installed ${ops.length} starter skills into ${dir}`,
        );
        if (skipped.length > 0) console.log(`kept your existing: ${skipped.join(', ')}`);
      }),
    );

  json(skills.command('list').description('active skills of the current generation')).action(
    (o: { json?: boolean }, cmd: Command) =>
      withLibrary(
        cmd,
        (lib) => {
          const snap = lib.current();
          const list = [...snap.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
          if (o.json)
            return printJson({ generation: snap.generation, skills: list.map((r) => revisionView(r)) });
          console.log(`generation ${snap.generation}: ${list.length} skills`);
          const rows = list.map((r) => [
            ` ${r.meta.pinned ? '*' : ' '} ${r.name}`,
            `r${r.revision}`,
            truncate(r.description, 90),
          ]);
          for (const line of columns(rows)) console.log(line);
        },
        { readOnly: true },
      ),
  );

  json(skills.command('show <name>').description('one skill as SKILL.md')).action(
    (name: string, o: { json?: boolean }, cmd: Command) =>
      withLibrary(
        cmd,
        (lib) => {
          const r = lib.current().byName.get(name);
          if (!r) throw new CliError(`no active skill ${name} (see \`metaclaw skills list\`)`);
          if (o.json) return printJson(revisionView(r, true));
          process.stdout.write(serializeSkill({ frontmatter: r.frontmatter, body: r.body }));
        },
        { readOnly: true },
      ),
  );

  skills
    .command('add <path>')
    .description('add or replace a skill from a folder or a SKILL.md file')
    .action((p: string, _o, cmd: Command) =>
      withLibrary(cmd, (lib, dir) => {
        let read: ReturnType<typeof readSkillAt>;
        try {
          read = readSkillAt(p);
        } catch (err) {
          throw new CliError(`cannot add ${p}: ${(err as Error).message}`);
        }
        const name = read.doc.frontmatter.name;
        const target = safeTarget(dir, name);
        if (fs.statSync(p).isDirectory()) warn(copyExtras(read.folder, target));
        const doc = withOrigin(read.doc, 'manual');
        genLine(
          lib,
          lib.apply(
            [{ op: 'put', doc, provenance: { origin: 'manual', source: read.file } }],
            'manual',
            `add ${name}`,
          ),
          `added ${name}`,
        );
      }),
    );

  skills
    .command('remove <name>')
    .description('retire a skill (its revisions stay in history; rollback brings it back)')
    .action((name: string, _o, cmd: Command) =>
      withLibrary(cmd, (lib) => {
        if (!lib.current().byName.has(name)) throw new CliError(`no active skill ${name}`);
        genLine(lib, lib.apply([{ op: 'remove', name }], 'manual', `remove ${name}`), `removed ${name}`);
      }),
    );

  json(
    skills.command('history [name]').description('revisions of one skill, or the generations of the library'),
  ).action((name: string | undefined, o: { json?: boolean }, cmd: Command) =>
    withLibrary(
      cmd,
      (lib) => {
        if (name) {
          const h = lib.repo.history(name);
          if (h.length === 0) throw new CliError(`no skill ${name}`);
          if (o.json) return printJson(h.map((r) => ({ ...revisionView(r, true), spans: r.spans })));
          for (const r of h) {
            const spans =
              r.spans.map((s) => `g${s.from}–${s.to === null ? 'now' : `g${s.to - 1}`}`).join(', ') ||
              'never live';
            console.log(
              `r${r.revision} (id ${r.id}) from generation ${r.generation}, live ${spans}: ${r.description.slice(0, 80)}`,
            );
          }
          return;
        }
        const gens = lib.repo.generations();
        if (o.json) return printJson(gens);
        if (gens.length === 0) return console.log('no generations yet (try `metaclaw skills init`)');
        for (const g of gens)
          console.log(
            `g${g.number}  ${formatTime(g.createdAt)}  ${g.cause}${g.detail ? `  ${g.detail}` : ''}`,
          );
      },
      { readOnly: true },
    ),
  );

  json(skills.command('diff <genA> <genB>').description('what changed between two generations')).action(
    (a: string, b: string, o: { json?: boolean }, cmd: Command) =>
      withLibrary(
        cmd,
        (lib) => {
          const [ga, gb] = [parseGen(a, lib), parseGen(b, lib)];
          const A = new Map(lib.repo.members(ga).map((r) => [r.name, r]));
          const B = new Map(lib.repo.members(gb).map((r) => [r.name, r]));
          const added = [...B.keys()].filter((n) => !A.has(n)).sort();
          const removed = [...A.keys()].filter((n) => !B.has(n)).sort();
          const changed = [...B.keys()].filter((n) => A.has(n) && A.get(n)!.id !== B.get(n)!.id).sort();
          if (o.json) {
            return printJson({
              from: ga,
              to: gb,
              added: added.map((n) => revisionView(B.get(n)!)),
              removed: removed.map((n) => revisionView(A.get(n)!)),
              changed: changed.map((n) => ({
                name: n,
                from: revisionView(A.get(n)!, true),
                to: revisionView(B.get(n)!, true),
              })),
            });
          }
          for (const n of added) console.log(`+ ${n} r${B.get(n)!.revision}`);
          for (const n of removed) console.log(`- ${n} r${A.get(n)!.revision}`);
          for (const n of changed) {
            const [from, to] = [A.get(n)!, B.get(n)!];
            console.log(`~ ${n} r${from.revision} → r${to.revision}`);
            const text = (r: typeof from) => serializeSkill({ frontmatter: r.frontmatter, body: r.body });
            for (const line of compactDiff(lineDiff(text(from), text(to)))) console.log(`    ${line}`);
          }
          if (added.length + removed.length + changed.length === 0)
            console.log(`generations ${ga} and ${gb} have the same skills`);
        },
        { readOnly: true },
      ),
  );

  skills
    .command('rollback <gen>')
    .description('make a new generation equal to an earlier one')
    .action((g: string, _o, cmd: Command) =>
      withLibrary(cmd, (lib) => {
        const n = parseGen(g, lib);
        genLine(lib, lib.rollback(n), `rolled back to generation ${n}`);
      }),
    );

  json(
    skills
      .command('import <dir>')
      .description('import Agent-Skills folders (e.g. ~/.claude/skills, ~/.openclaw/skills)'),
  ).action((src: string, o: { json?: boolean }, cmd: Command) =>
    withLibrary(cmd, (lib, dir) => {
      if (!fs.existsSync(src)) throw new CliError(`no such folder ${src}`);
      // A single skill folder works too.
      const single = fs.existsSync(path.join(src, 'SKILL.md'));
      const root = single ? path.dirname(path.resolve(src)) : src;
      let { ops, folders, warnings } = importOps(root, lib.current(), { origin: 'imported' });
      if (single)
        ops = ops.filter(
          (op) => op.op === 'put' && op.doc.frontmatter.name === path.basename(path.resolve(src)),
        );
      warn(warnings);
      ops = dropIdentical(ops, lib);
      for (const op of ops)
        if (op.op === 'put')
          warn(copyExtras(folders.get(op.doc.frontmatter.name)!, safeTarget(dir, op.doc.frontmatter.name)));
      const applied = lib.apply(ops, 'import', `import ${path.resolve(src)}`);
      if (o.json)
        return printJson({
          generation: applied?.generation.number ?? lib.current().generation,
          imported: ops.length,
          warnings,
        });
      genLine(lib, applied, `imported ${ops.length} skills from ${src}`);
    }),
  );

  skills
    .command('export <dir>')
    .description('write the active skills as Agent-Skills folders')
    .action((out: string, _o, cmd: Command) =>
      withLibrary(
        cmd,
        (lib, dir) => {
          let n = 0;
          for (const r of lib.current().byName.values()) {
            const target = safeTarget(out, r.name);
            if (fs.existsSync(path.join(dir, r.name))) warn(copyExtras(path.join(dir, r.name), target));
            writeSkill(out, { frontmatter: r.frontmatter, body: r.body });
            n++;
          }
          console.log(`exported ${n} skills (generation ${lib.current().generation}) to ${out}`);
        },
        { readOnly: true },
      ),
    );

  json(
    skills
      .command('why <text...>')
      .description('what retrieval would inject for a request with this text, and why'),
  ).action(async (words: string[], o: { json?: boolean }, cmd: Command) => {
    const text = words.join(' ').trim();
    if (!text) throw new CliError('give the request text, e.g. metaclaw skills why "fix the failing test"');
    const report = await whyReport(cmd.optsWithGlobals() as GlobalOptions, text);
    if (o.json) return printJson(report);
    printWhy(report);
  });

  json(skills.command('sync').description('turn hand edits in the skills folder into a generation')).action(
    (o: { json?: boolean }, cmd: Command) =>
      withLibrary(cmd, (lib, dir) => {
        const { generation, warnings } = lib.sync();
        warn(warnings);
        if (o.json)
          return printJson({
            generation: generation?.number ?? lib.current().generation,
            changed: generation !== null,
            warnings,
          });
        console.log(
          generation
            ? `synced ${dir}: generation ${generation.number}`
            : `${dir} matches generation ${lib.current().generation}`,
        );
      }),
  );
}

function parseGen(s: string, lib: SkillLibrary): number {
  const n = Number(s.replace(/^g/, ''));
  if (!Number.isInteger(n) || n < 0 || n > lib.repo.currentGeneration()) {
    throw new CliError(`no generation ${s} (current is ${lib.repo.currentGeneration()})`);
  }
  return n;
}
