import fs from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SkillLibrary } from '../../src/skills/library.js';
import { openStore } from '../../src/store/db.js';
import { SkillRepository } from '../../src/store/skill-repository.js';
import { type FakeLlm, lastUserText, startFakeLlm, systemText } from '../fixtures/fake-llm/index.js';
import {
  anthropicUpstream,
  eventually,
  openaiUpstream,
  startProxy,
  type TestProxy,
  tempHome,
} from '../helpers/proxy.js';

function seed(dir: string, name: string, description: string, body: string): void {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  fs.writeFileSync(
    path.join(dir, name, 'SKILL.md'),
    `---\nname: ${name}\ndescription: ${description}\n---\n\n${body}\n`,
  );
}

let fake: FakeLlm;
let proxy: TestProxy;
let home: string;
let dir: string;

beforeAll(async () => {
  fake = await startFakeLlm();
  home = tempHome();
  dir = path.join(home, 'skills');
  seed(
    dir,
    'git-force-push',
    'How to force push a git branch safely',
    'Use git push --force-with-lease, never plain --force on shared branches.',
  );
  seed(dir, 'bake-bread', 'Bake sourdough bread', 'Feed the starter the night before.');
  fs.mkdirSync(path.join(dir, 'broken'));
  fs.writeFileSync(path.join(dir, 'broken', 'SKILL.md'), 'no frontmatter');
  proxy = await startProxy({ upstream: openaiUpstream(fake.url), skills: { poll_ms: 50 } }, { home });
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});

const openai = () => new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });

describe('skills end to end through the proxy', () => {
  it('loads the folder at start (skipping the broken file) and injects the relevant skill upstream', async () => {
    expect(proxy.app.skills.library.current().generation).toBe(1);
    const { response } = await openai()
      .chat.completions.create({
        model: 'm',
        messages: [
          { role: 'system', content: 'You are an agent.' },
          { role: 'user', content: 'I need to force push my git branch after a rebase' },
        ],
      })
      .withResponse();
    // Default placement: on the user's request message; the system prompt is left as sent.
    const sent = fake.requests.at(-1)!;
    expect(systemText(sent)).toBe('You are an agent.');
    const asked = lastUserText(sent);
    expect(asked.startsWith('I need to force push my git branch after a rebase\n\n## Skills')).toBe(true);
    expect(asked).toContain('--force-with-lease');
    expect(asked).not.toContain('sourdough');
    const turn = proxy.app.turns.listBySession(response.headers.get('x-metaclaw-session-id')!)[0]!;
    const id = proxy.app.skills.library.current().byName.get('git-force-push')!.id;
    expect(turn.libraryGeneration).toBe(1);
    expect(turn.injectedRevisionIds).toEqual([id]);
  });

  it('does not inject into side turns', async () => {
    await openai().chat.completions.create(
      { model: 'm', messages: [{ role: 'user', content: 'force push my git branch' }] },
      { headers: { 'x-turn-type': 'side' } },
    );
    expect(systemText(fake.requests.at(-1)!)).toBe('');
    expect(lastUserText(fake.requests.at(-1)!)).toBe('force push my git branch');
  });

  it('serves the admin API', async () => {
    const skills = (await (await fetch(`${proxy.url}/v1/admin/skills`)).json()) as {
      generation: number;
      data: { name: string }[];
    };
    expect(skills.generation).toBe(1);
    expect(skills.data.map((s) => s.name)).toEqual(['bake-bread', 'git-force-push']);
    const gens = (await (await fetch(`${proxy.url}/v1/admin/generations`)).json()) as {
      current: number;
      data: { cause: string }[];
    };
    expect(gens).toMatchObject({ current: 1, data: [{ number: 1, cause: 'sync' }] });
    const one = (await (await fetch(`${proxy.url}/v1/admin/skills/bake-bread`)).json()) as {
      active: { body: string };
    };
    expect(one.active.body).toContain('starter');
    expect((await fetch(`${proxy.url}/v1/admin/skills/nope`)).status).toBe(404);
  });

  it('notices change sets committed by another process (the CLI) via the generation poll', async () => {
    const db = openStore(path.join(home, 'metaclaw.db'));
    const cli = new SkillLibrary(new SkillRepository(db), { dir });
    cli.load();
    const g = cli.apply(
      [
        {
          op: 'put',
          doc: {
            frontmatter: { name: 'kubectl-pods', description: 'Debug kubernetes pods in CrashLoopBackOff' },
            body: 'Run kubectl logs --previous.',
          },
        },
      ],
      'manual',
    )!.generation.number;
    db.close();
    await eventually(() => proxy.app.skills.library.current().generation >= g);
    await openai().chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'my kubernetes pod is in CrashLoopBackOff' }],
    });
    expect(lastUserText(fake.requests.at(-1)!)).toContain('kubectl logs --previous');
  });

  it('picks up hand edits in the folder through the watcher', async () => {
    const before = proxy.app.skills.library.current().generation;
    seed(dir, 'regex-help', 'Write regular expressions', 'Anchor with ^ and $.');
    await eventually(() => proxy.app.skills.library.current().byName.has('regex-help'));
    const gens = proxy.app.skills.library.repo.generations();
    expect(gens[0]).toMatchObject({ number: before + 1, cause: 'sync' });
  });

  it('concurrent requests during change sets each see one whole generation', async () => {
    const lib = proxy.app.skills.library;
    const sessions: string[] = [];
    const requests = Array.from({ length: 24 }, async (_, i) => {
      const { response } = await openai()
        .chat.completions.create({
          model: 'm',
          messages: [{ role: 'user', content: `force push git branch, run ${i}` }],
        })
        .withResponse();
      sessions.push(response.headers.get('x-metaclaw-session-id')!);
    });
    for (let v = 0; v < 6; v++) {
      lib.apply(
        [
          {
            op: 'put',
            doc: {
              frontmatter: { name: 'git-force-push', description: `force push a git branch safely v${v}` },
              body: `v${v}`,
            },
          },
          {
            op: 'put',
            doc: {
              frontmatter: { name: 'git-rebase', description: `rebase a git branch v${v}` },
              body: `v${v}`,
            },
          },
        ],
        'evolution',
      );
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(requests);
    const gens = new Set<number>();
    for (const s of new Set(sessions)) {
      for (const t of proxy.app.turns.listBySession(s)) {
        const members = new Set(lib.repo.members(t.libraryGeneration).map((r) => r.id));
        expect(t.injectedRevisionIds.length).toBeGreaterThan(0);
        for (const id of t.injectedRevisionIds) expect(members.has(id)).toBe(true);
        gens.add(t.libraryGeneration);
      }
    }
    expect(gens.size).toBeGreaterThanOrEqual(1);
  });
});

describe('skills with an Anthropic upstream, and across a restart', () => {
  it('system placement keeps cache_control system blocks byte-identical and appends ours; generation survives restart', async () => {
    const h = tempHome();
    seed(
      path.join(h, 'skills'),
      'git-force-push',
      'How to force push a git branch safely',
      'Use --force-with-lease.',
    );
    let p = await startProxy(
      { upstream: anthropicUpstream(fake.url), skills: { placement: 'system' } },
      { home: h },
    );
    const system = [
      { type: 'text' as const, text: 'You are Claude Code.', cache_control: { type: 'ephemeral' as const } },
    ];
    const client = () => new Anthropic({ baseURL: p.url, apiKey: 'k', maxRetries: 0 });
    await client().messages.create({
      model: 'claude-x',
      max_tokens: 64,
      system,
      messages: [{ role: 'user', content: 'force push my git branch' }],
    });
    const req = fake.requests.at(-1)!;
    expect(req.rawBody).toContain(JSON.stringify(system[0]));
    const sent = req.body.system as { text: string; cache_control?: unknown }[];
    expect(sent[0]).toEqual(system[0]);
    expect(sent[1]!.text).toContain('--force-with-lease');
    expect(sent[1]!.cache_control).toBeUndefined();
    p.app.skills.library.apply([{ op: 'remove', name: 'git-force-push' }], 'manual');
    expect(p.app.skills.library.current().generation).toBe(2);
    await p.close();
    p = await startProxy({ upstream: anthropicUpstream(fake.url) }, { home: h });
    expect(p.app.skills.library.current().generation).toBe(2);
    expect(p.app.skills.library.current().byName.size).toBe(0);
    await p.close();
  });
});
