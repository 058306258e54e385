import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { startFakeLlm } from '../fixtures/fake-llm/index.js';
import { eventually, openaiUpstream, startProxy, tempHome } from '../helpers/proxy.js';

let home: string;
let out: string[];
let err: string[];

/** Run `metaclaw …` in-process against `home`; returns stdout, stderr and the exit code. */
async function metaclaw(...args: string[]) {
  out = [];
  err = [];
  process.exitCode = undefined;
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out.push(String(s));
    return true;
  });
  const l = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(`${a.join(' ')}\n`));
  const e = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(`${a.join(' ')}\n`));
  let thrown: unknown = null;
  try {
    await (await buildProgram()).parseAsync(['node', 'metaclaw', ...args]);
  } catch (x) {
    thrown = x;
  } finally {
    o.mockRestore();
    l.mockRestore();
    e.mockRestore();
  }
  const code = thrown ? 1 : (process.exitCode ?? 0);
  process.exitCode = undefined;
  return { stdout: out.join(''), stderr: err.join(''), code, error: thrown as Error | null };
}

function skillFolder(root: string, name: string, description: string, body = 'Body.'): string {
  const d = path.join(root, name);
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(
    path.join(d, 'SKILL.md'),
    `---\nname: ${name}\ndescription: ${description}\n---\n\n${body}\n`,
  );
  return d;
}

beforeEach(() => {
  home = tempHome();
  process.env.METACLAW_HOME = home;
});
afterEach(() => {
  delete process.env.METACLAW_HOME;
});

describe('metaclaw skills CLI', () => {
  it('init, list, show, add, remove, history, diff, rollback', async () => {
    const init = await metaclaw('skills', 'init');
    expect(init.stdout).toMatch(/installed 13 starter skills .* generation 1/);
    expect(fs.existsSync(path.join(home, 'skills', 'git-hygiene', 'SKILL.md'))).toBe(true);
    expect((await metaclaw('skills', 'init')).stdout).toMatch(/nothing changed/);

    const list = JSON.parse((await metaclaw('skills', 'list', '--json')).stdout);
    expect(list.generation).toBe(1);
    expect(list.skills).toHaveLength(13);
    expect(list.skills[0]).toMatchObject({ name: 'ask-when-ambiguous', origin: 'starter', revision: 1 });

    expect((await metaclaw('skills', 'show', 'git-hygiene')).stdout).toMatch(/^---\nname: git-hygiene\n/);
    expect((await metaclaw('skills', 'show', 'nope')).error?.message).toMatch(/no active skill nope/);

    const src = skillFolder(tempHome(), 'my-skill', 'Mine', 'Do it my way.');
    fs.mkdirSync(path.join(src, 'scripts'));
    fs.writeFileSync(path.join(src, 'scripts', 'x.sh'), 'echo');
    expect((await metaclaw('skills', 'add', src)).stdout).toMatch(/generation 2/);
    expect(fs.existsSync(path.join(home, 'skills', 'my-skill', 'scripts', 'x.sh'))).toBe(true);
    skillFolder(path.dirname(src), 'my-skill', 'Mine, improved', 'Better.');
    expect((await metaclaw('skills', 'add', src)).stdout).toMatch(/generation 3/);
    expect((await metaclaw('skills', 'remove', 'git-hygiene')).stdout).toMatch(/generation 4/);

    const hist = JSON.parse((await metaclaw('skills', 'history', 'my-skill', '--json')).stdout);
    expect(hist.map((r: { revision: number; spans: unknown }) => [r.revision, r.spans])).toEqual([
      [1, [{ from: 2, to: 3 }]],
      [2, [{ from: 3, to: null }]],
    ]);
    const gens = JSON.parse((await metaclaw('skills', 'history', '--json')).stdout);
    expect(gens.map((g: { cause: string }) => g.cause)).toEqual(['manual', 'manual', 'manual', 'import']);

    const diff = JSON.parse((await metaclaw('skills', 'diff', '1', '4', '--json')).stdout);
    expect(diff.added.map((s: { name: string }) => s.name)).toEqual(['my-skill']);
    expect(diff.removed.map((s: { name: string }) => s.name)).toEqual(['git-hygiene']);
    expect((await metaclaw('skills', 'diff', '2', '3')).stdout).toMatch(/~ my-skill r1 → r2/);

    expect((await metaclaw('skills', 'rollback', '1')).stdout).toMatch(/generation 5/);
    const after = JSON.parse((await metaclaw('skills', 'list', '--json')).stdout);
    expect(after.skills.map((s: { name: string }) => s.name)).toEqual(
      list.skills.map((s: { name: string }) => s.name),
    );
    expect(fs.existsSync(path.join(home, 'skills', 'git-hygiene', 'SKILL.md'))).toBe(true);
    expect(fs.existsSync(path.join(home, 'skills', 'my-skill'))).toBe(false);
    expect((await metaclaw('skills', 'rollback', '99')).error?.message).toMatch(/no generation 99/);
  });

  it('import warns about broken skills on stderr, export writes Agent-Skills folders, sync picks up edits', async () => {
    const src = tempHome();
    skillFolder(src, 'alpha', 'First');
    skillFolder(src, 'beta', 'Second');
    fs.mkdirSync(path.join(src, 'Bad'));
    fs.writeFileSync(path.join(src, 'Bad', 'SKILL.md'), '---\nname: Bad\ndescription: x\n---\n');
    const imp = await metaclaw('skills', 'import', src, '--json');
    expect(JSON.parse(imp.stdout)).toMatchObject({ generation: 1, imported: 2 });
    expect(imp.stderr).toContain(path.join(src, 'Bad', 'SKILL.md'));
    expect(imp.stderr).toMatch(/name must be lowercase/);

    const dst = path.join(tempHome(), 'export');
    await metaclaw('skills', 'export', dst);
    expect(fs.readFileSync(path.join(dst, 'alpha', 'SKILL.md'), 'utf8')).toMatch(/origin: imported/);

    fs.writeFileSync(
      path.join(home, 'skills', 'beta', 'SKILL.md'),
      '---\nname: beta\ndescription: Second, edited\n---\n',
    );
    const sync = JSON.parse((await metaclaw('skills', 'sync', '--json')).stdout);
    expect(sync).toMatchObject({ generation: 2, changed: true });
    expect(JSON.parse((await metaclaw('skills', 'sync', '--json')).stdout)).toMatchObject({
      generation: 2,
      changed: false,
    });
  });

  it('a running service picks up a CLI change for its next request', async () => {
    const fake = await startFakeLlm();
    const proxy = await startProxy(
      { upstream: openaiUpstream(fake.url), skills: { poll_ms: 50, watch: false } },
      { home },
    );
    try {
      const src = skillFolder(
        tempHome(),
        'tax-returns',
        'Prepare a tax return',
        'Gather every W-2 and 1099 first.',
      );
      expect((await metaclaw('skills', 'add', src)).code).toBe(0);
      await eventually(() => proxy.app.skills.library.current().generation === 1);
      await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'm',
          messages: [{ role: 'user', content: 'help me prepare my tax return' }],
        }),
      });
      const sys = (fake.requests.at(-1)!.body.messages as { content: string }[])[0]!.content;
      expect(sys).toContain('W-2 and 1099');
    } finally {
      await proxy.close();
      await fake.close();
    }
  });
});
