import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { writePidFile } from '../../src/cli/pidfile.js';
import { pidFilePath } from '../../src/config/paths.js';
import type { WhyReport } from '../../src/skills/admin.js';
import type { SkillDocument } from '../../src/skills/format.js';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { freePort, runCli } from '../helpers/cli.js';
import { openaiUpstream, startProxy, type TestProxy, tempHome } from '../helpers/proxy.js';

/** `metaclaw skills why` and `GET /v1/admin/skills/why`: what retrieval would inject, and why. */
const QUERY = 'How should I report the weather in Paris?';

const doc = (name: string, description: string, body: string): SkillDocument => ({
  frontmatter: { name, description },
  body,
});

let fake: FakeLlm;
let proxy: TestProxy;

beforeAll(async () => {
  fake = await startFakeLlm();
  proxy = await startProxy({
    upstream: openaiUpstream(fake.url),
    skills: { enabled: true, watch: false },
  });
  proxy.app.skills.library.apply(
    [
      {
        op: 'put',
        doc: doc(
          'weather-in-celsius',
          'How to report weather and temperatures to this user',
          'Always report temperatures in degrees Celsius.',
        ),
      },
      {
        op: 'put',
        doc: doc('paris-travel', 'Plan a trip to Paris: museums, metro, restaurants', 'Book ahead.'),
      },
      {
        op: 'put',
        doc: doc(
          'farm-planning',
          'Plan crop rotations for a small farm',
          'Check the weather forecast first.',
        ),
      },
      { op: 'put', doc: doc('git-hygiene', 'Commit small focused changes', 'Check git status first.') },
    ],
    'manual',
  );
});
afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

async function metaclaw(...args: string[]) {
  const out: string[] = [];
  process.env.METACLAW_HOME = proxy.home;
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out.push(String(s));
    return true;
  });
  const l = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(`${a.join(' ')}\n`));
  try {
    await (await buildProgram()).parseAsync(['node', 'metaclaw', ...args]);
  } finally {
    o.mockRestore();
    l.mockRestore();
    delete process.env.METACLAW_HOME;
  }
  return out.join('');
}

function expectExplained(r: WhyReport) {
  const generation = proxy.app.skills.library.current().generation;
  expect(r.query).toBe(QUERY);
  expect(r.generation).toBe(generation);
  expect(r.skills[0]).toMatchObject({ rank: 1, name: 'weather-in-celsius', injected: 'full', pinned: false });
  expect(r.skills[0]!.score).toBeGreaterThan(0);
  expect(r.skills.map((s) => s.name)).not.toContain('git-hygiene');
  // Found only through its body: dropped by the head-match rule, and said so.
  expect(r.dropped).toContainEqual(
    expect.objectContaining({ name: 'farm-planning', why: expect.stringMatching(/no word in common/) }),
  );
  expect(r.block_tokens).toBeGreaterThan(0);
  expect(r.block).toContain('### weather-in-celsius');
}

describe('skills why', () => {
  it('the admin route explains the live retrieval', async () => {
    const res = await fetch(`${proxy.url}/v1/admin/skills/why?q=${encodeURIComponent(QUERY)}`);
    expect(res.status).toBe(200);
    const r = (await res.json()) as WhyReport;
    expectExplained(r);
    // The same selection the live injector makes for such a request.
    const live = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session-id': 'why-1' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: QUERY }] }),
    });
    expect(live.status).toBe(200);
    const [turn] = proxy.app.turns.listBySession('why-1');
    expect(turn!.injectedRevisionIds).toEqual(
      r.skills.filter((s) => s.injected !== 'cut').map((s) => s.revision_id),
    );
    expect((await fetch(`${proxy.url}/v1/admin/skills/why`)).status).toBe(400);
  });

  it('the CLI asks the running service, or reads the store when none runs', async () => {
    writePidFile(proxy.home, { pid: process.pid, url: proxy.url, startedAt: Date.now(), configFile: '' });
    try {
      const viaService = JSON.parse(await metaclaw('skills', 'why', QUERY, '--json')) as WhyReport & {
        source: string;
      };
      expect(viaService.source).toBe(`service ${proxy.url}`);
      expectExplained(viaService);
      const text = await metaclaw('skills', 'why', QUERY);
      expect(text).toMatch(/^generation \d+, lexical retrieval, placement user \(from the service /);
      expect(text).toMatch(/block: \d+ tokens of 2000/);
      expect(text).toMatch(/ {2}#1 weather-in-celsius +score \d+\.\d\d +head +\d+% +full {2}full body/);
      expect(text).toMatch(/farm-planning +score \d+\.\d\d +no word in common/);
    } finally {
      fs.rmSync(pidFilePath(proxy.home), { force: true });
    }
    const viaStore = JSON.parse(await metaclaw('skills', 'why', QUERY, '--json')) as WhyReport & {
      source: string;
    };
    expect(viaStore.source).toBe('store');
    expectExplained(viaStore);
    expect(viaStore.skills.map((s) => [s.name, s.score])).toEqual(
      (JSON.parse(await metaclaw('skills', 'why', QUERY, '--json')) as WhyReport).skills.map((s) => [
        s.name,
        s.score,
      ]),
    );
  });
});

describe('skills why, the real CLI (dist/) and a service it started', () => {
  it('sends the proxy key and shows the live ranking', async () => {
    const home = tempHome();
    const cli = (...args: string[]) => runCli(args, { home });
    const port = await freePort();
    for (const [k, v] of [
      ['proxy.port', String(port)],
      ['proxy.api_key', 'proxy-secret-1'],
      ['upstream.provider', 'openai'],
      ['upstream.base_url', `${fake.url}/v1`],
      ['upstream.api_key', 'sk-up'],
      ['judge.enabled', 'false'],
      ['evolution.enabled', 'false'],
    ])
      expect((await cli('config', 'set', k!, v!)).code).toBe(0);
    const src = path.join(tempHome(), 'weather-in-celsius');
    fs.mkdirSync(src);
    fs.writeFileSync(
      path.join(src, 'SKILL.md'),
      '---\nname: weather-in-celsius\ndescription: How to report weather and temperatures to this user\n---\n\nUse °C.\n',
    );
    expect((await cli('skills', 'add', src)).code).toBe(0);
    expect((await cli('start')).code).toBe(0);
    try {
      const r = await cli('skills', 'why', QUERY, '--json');
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as WhyReport & { source: string };
      expect(report.source).toBe(`service http://127.0.0.1:${port}`);
      expect(report.skills[0]).toMatchObject({ name: 'weather-in-celsius', injected: 'full' });
      const text = await cli('skills', 'why', 'report', 'the', 'weather');
      expect(text.stdout).toMatch(/#1 weather-in-celsius +score \d+\.\d\d/);
      // The route needs the key like every admin route.
      const res = await fetch(`http://127.0.0.1:${port}/v1/admin/skills/why?q=weather`);
      expect(res.status).toBe(401);
    } finally {
      expect((await cli('stop')).code).toBe(0);
    }
  }, 60_000);
});
