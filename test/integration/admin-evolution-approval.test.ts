import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AdminEventMap,
  EvolutionDecisionResult,
  EvolutionDetail,
  EvolutionListItem,
  ListResponse,
  SkillDetail,
} from '../../src/admin-api/contract.js';
import { writePidFile } from '../../src/cli/pidfile.js';
import {
  type FakeLlm,
  lastUserText,
  type RecordedRequest,
  startFakeLlm,
  systemText,
} from '../fixtures/fake-llm/index.js';
import { runCli } from '../helpers/cli.js';
import { openaiUpstream, startProxy, type TestProxy, tempHome } from '../helpers/proxy.js';

/**
 * Issue 18: `evolution.approval: manual`. A verified change set waits for a person; approving it
 * (API or CLI) makes the next request get the skill, rejecting it leaves the library as it was.
 */
const RULE = 'Always report temperatures in degrees Celsius (°C), never Fahrenheit.';
const KEY = 'proxy-key';
const isJudge = (r: RecordedRequest) => systemText(r).includes('You evaluate one response');
const isEvolver = (r: RecordedRequest) => systemText(r).includes('You maintain a library of skills');

interface Rig {
  fake: FakeLlm;
  proxy: TestProxy;
  key: string | undefined;
  events: { name: string; data: unknown }[];
  /** One single-turn session; `done` ends it, which gets it judged (and a failure evolved). */
  ask(session: string, done: boolean, question?: string): Promise<string>;
  /** The last request the agent model (not the judge or evolver) received. */
  lastAgentRequest(): RecordedRequest;
  api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
}

async function rig(key: string | undefined): Promise<Rig> {
  const fake = await startFakeLlm();
  fake.script((req) => {
    if (isJudge(req)) {
      const p = lastUserText(req);
      const response = p.slice(p.indexOf('## Response'), p.indexOf('## Next state'));
      return { text: response.includes('°C') ? 'Celsius.\nScore: 1' : 'Fahrenheit.\nScore: -1' };
    }
    if (isEvolver(req))
      return {
        text: JSON.stringify({
          ops: [
            {
              op: 'add',
              name: 'weather-in-celsius',
              description: 'How to report weather and temperatures to this user',
              body: RULE,
            },
          ],
        }),
      };
    return { text: req.rawBody.includes('Celsius') ? 'It is 21 °C.' : 'It is 70 °F.' };
  });
  const proxy = await startProxy({
    upstream: openaiUpstream(fake.url, { model: 'agent-model' }),
    ...(key ? { proxy: { api_key: key } } : {}),
    judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge-model', votes: 1 },
    evolution: { min_failures: 100, debounce_ms: 10, verify: true, approval: 'manual' },
    skills: { enabled: true },
  });
  const events: { name: string; data: unknown }[] = [];
  proxy.app.adminEvents.subscribe((name, data) => void events.push({ name, data }));
  const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: key ?? 'k', maxRetries: 0 });
  return {
    fake,
    proxy,
    key,
    events,
    async ask(session, done, question = 'What is the weather in Paris today?') {
      const r = await client.chat.completions.create(
        { model: 'agent-model', messages: [{ role: 'user', content: question }] },
        { headers: { 'x-session-id': session, ...(done ? { 'x-session-done': 'true' } : {}) } },
      );
      return r.choices[0]!.message.content!;
    },
    lastAgentRequest: () => fake.requests.filter((r) => !isJudge(r) && !isEvolver(r)).at(-1)!,
    async api<T>(path: string, init: RequestInit = {}) {
      const res = await fetch(`${proxy.url}${path}`, {
        ...init,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers ?? {}) },
      });
      return { status: res.status, body: (await res.json()) as T };
    },
  };
}

/** Fail once so an evolution runs, and wait until it awaits approval. */
async function awaitingEvolution(r: Rig, session: string, question?: string): Promise<EvolutionListItem> {
  expect(await r.ask(session, true, question)).toContain('°F');
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { body } = await r.api<ListResponse<EvolutionListItem>>(
      '/v1/admin/evolutions?outcome=awaiting_approval',
    );
    if (body.data[0]) return body.data[0];
    if (Date.now() > deadline) throw new Error('no evolution awaiting approval in time');
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

const post = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('manual approval through the admin API', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig(KEY);
  });
  afterAll(async () => {
    await r?.proxy.close();
    await r?.fake.close();
  });

  it('holds a verified change set; approve makes the next request get the skill', async () => {
    const g0 = r.proxy.app.skills.library.current().generation;
    const e = await awaitingEvolution(r, 's1');
    expect(e.ops).toEqual([{ op: 'add', name: 'weather-in-celsius' }]);

    // Held, not applied: the library did not move and the next request gets no skill.
    expect(r.proxy.app.skills.library.current().generation).toBe(g0);
    expect(await r.ask('s2', false)).toContain('°F');
    expect(r.lastAgentRequest().rawBody).not.toContain('Celsius');

    const detail = await r.api<EvolutionDetail>(`/v1/admin/evolutions/${e.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ outcome: 'awaiting_approval', decided_by: null });
    expect(detail.body.replays).toEqual([
      { turn_id: e.support_turn_ids[0], before: -1, after: 1, verdict: 'improved' },
    ]);
    expect(detail.body.proposal.raw).toContain('weather-in-celsius');
    expect(detail.body.safety).toEqual({ passed: true, blocked: [] });

    const approved = await r.api<EvolutionDecisionResult>(`/v1/admin/evolutions/${e.id}/approve`, post({}));
    expect(approved.status).toBe(200);
    expect(approved.body.evolution).toMatchObject({ id: e.id, outcome: 'applied', generation: g0 + 1 });
    expect(await r.ask('s3', false)).toContain('°C');
    expect(r.lastAgentRequest().rawBody).toContain('Celsius');
    const after = await r.api<EvolutionDetail>(`/v1/admin/evolutions/${e.id}`);
    expect(after.body.decided_by).toBe('user');
    // The skill's provenance names the evolution, its failed turns and its verification.
    const skill = await r.api<SkillDetail>('/v1/admin/skills/weather-in-celsius');
    expect(skill.body.provenance).toMatchObject({
      evolution_id: e.id,
      support_turn_ids: e.support_turn_ids,
      verification: { accepted: true },
    });
    expect(skill.body.revisions).toMatchObject([{ revision: 1, evolution_id: e.id, status: 'active' }]);

    // Every outcome change and the new generation were published as live events.
    const outcomes = r.events
      .filter((x) => x.name === 'evolution' && (x.data as EvolutionListItem).id === e.id)
      .map((x) => (x.data as AdminEventMap['evolution']).outcome);
    expect(outcomes).toEqual(['pending', 'awaiting_approval', 'applied']);
    expect(r.events).toContainEqual({ name: 'generation', data: { generation: g0 + 1, cause: 'evolution' } });
  }, 30_000);

  it('answers 409 to deciding twice, 404 to an unknown id, 400 to a bad one, 401 without the key', async () => {
    const again = await r.api<{ error: { message: string } }>('/v1/admin/evolutions/1/approve', post({}));
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/is applied, not awaiting approval/);
    expect((await r.api('/v1/admin/evolutions/1/reject', post({ reason: 'x' }))).status).toBe(409);
    expect((await r.api('/v1/admin/evolutions/999/approve', post({}))).status).toBe(404);
    expect((await r.api('/v1/admin/evolutions/999')).status).toBe(404);
    expect((await r.api('/v1/admin/evolutions/abc')).status).toBe(400);
    expect((await r.api('/v1/admin/evolutions?outcome=maybe')).status).toBe(400);
    expect((await r.api('/v1/admin/evolutions?limit=0')).status).toBe(400);
    expect((await r.api('/v1/admin/evolutions/1/reject', post({ reason: 5 }))).status).toBe(400);
    expect((await fetch(`${r.proxy.url}/v1/admin/evolutions`)).status).toBe(401);
    expect((await fetch(`${r.proxy.url}/v1/admin/evolutions/1/approve`, post({}))).status).toBe(401);
  });
});

describe('reject, and approval after the library moved', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig(undefined);
  });
  afterAll(async () => {
    await r?.proxy.close();
    await r?.fake.close();
  });

  it('refuses to clobber a skill changed meanwhile; reject records the reason and changes nothing', async () => {
    const e = await awaitingEvolution(r, 's1');
    // Someone adds a skill of the same name by hand before the approval.
    const lib = r.proxy.app.skills.library;
    lib.apply(
      [
        {
          op: 'put',
          doc: {
            frontmatter: { name: 'weather-in-celsius', description: 'Weather, by hand' },
            body: 'Use Kelvin.',
          },
        },
      ],
      'manual',
    );
    const g1 = lib.current().generation;
    const conflict = await r.api<{ error: { message: string } }>(
      `/v1/admin/evolutions/${e.id}/approve`,
      post({}),
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.message).toMatch(
      /library changed since evolution #\d+ was verified .*weather-in-celsius was added/,
    );
    expect(lib.current().byName.get('weather-in-celsius')!.body).toBe('Use Kelvin.');

    const rejected = await r.api<EvolutionDecisionResult>(
      `/v1/admin/evolutions/${e.id}/reject`,
      post({ reason: 'I prefer my own wording' }),
    );
    expect(rejected.status).toBe(200);
    expect(rejected.body.evolution).toMatchObject({ outcome: 'rejected', reason: 'I prefer my own wording' });
    expect(lib.current().generation).toBe(g1);
    const detail = await r.api<EvolutionDetail>(`/v1/admin/evolutions/${e.id}`);
    expect(detail.body.decided_by).toBe('user');
    const list = await r.api<ListResponse<EvolutionListItem>>(
      '/v1/admin/evolutions?outcome=rejected&limit=1',
    );
    expect(list.body).toMatchObject({ object: 'list', total: 1, data: [{ id: e.id }] });
  }, 30_000);
});

describe('metaclaw evolutions approve | reject against a running service', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig(undefined);
    // The in-process service stands in for `metaclaw start`: the CLI finds it by its pid file.
    writePidFile(r.proxy.home, { pid: process.pid, url: r.proxy.url, startedAt: Date.now(), configFile: '' });
  });
  afterAll(async () => {
    await r?.proxy.close();
    await r?.fake.close();
  });
  const cli = (args: string[]) => runCli(['evolutions', ...args], { home: r.proxy.home });

  it('rejects with a reason, approves the next one, and says why it cannot', async () => {
    const first = await awaitingEvolution(r, 'c1');
    const rejected = await cli(['reject', String(first.id), '--reason', 'not now']);
    expect(rejected.stdout).toContain(`evolution #${first.id} rejected: not now`);
    expect(rejected.code).toBe(0);
    expect(await r.ask('c2', false)).toContain('°F');

    const second = await awaitingEvolution(r, 'c3', 'What is the weather in Rome today?');
    expect(second.id).not.toBe(first.id);
    const approved = await cli(['approve', `#${second.id}`]);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(
      new RegExp(`evolution #${second.id} approved: applied as generation \\d+`),
    );
    expect(await r.ask('c4', false)).toContain('°C');

    const twice = await cli(['approve', String(second.id)]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(
      `cannot approve evolution #${second.id}: evolution #${second.id} is applied, not awaiting approval`,
    );
    const unknown = await cli(['reject', '999']);
    expect(unknown.stderr).toContain('no evolution 999');
    expect((await cli(['approve', 'x'])).stderr).toContain('not an evolution id: x');
    const down = await runCli(['evolutions', 'approve', '1'], { home: tempHome() });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/service is not running/);
  }, 60_000);
});
