import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ActionResult,
  ListResponse,
  RollbackResult,
  SkillDetail,
  SkillDiff,
  SkillListItem,
} from '../../src/admin-api/contract.js';
import {
  type FakeLlm,
  lastUserText,
  type RecordedRequest,
  startFakeLlm,
  systemText,
} from '../fixtures/fake-llm/index.js';
import { eventually, openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

/** Issue 18: the Skills view's API — list with use counts, detail, diff, edit, pin, retire, rollback. */
const KEY = 'proxy-key';
const CELSIUS = 'Always report temperatures in degrees Celsius (°C), never Fahrenheit.';
const KELVIN = 'Always report temperatures in Kelvin (K).';
const GIT = 'Use git push --force-with-lease, never --force.';
const isJudge = (r: RecordedRequest) => systemText(r).includes('You evaluate one response');

let fake: FakeLlm;
let proxy: TestProxy;
let client: OpenAI;
let session = 0;

beforeAll(async () => {
  fake = await startFakeLlm();
  fake.script((req) => {
    if (isJudge(req)) {
      const p = lastUserText(req);
      const response = p.slice(p.indexOf('## Response'), p.indexOf('## Next state'));
      return { text: response.includes('°C') ? 'Good.\nScore: 1' : 'Bad.\nScore: -1' };
    }
    return { text: req.rawBody.includes('Celsius') ? 'It is 21 °C.' : 'It is 70 °F.' };
  });
  proxy = await startProxy({
    upstream: openaiUpstream(fake.url, { model: 'agent-model' }),
    proxy: { api_key: KEY },
    judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge-model', votes: 1 },
    evolution: { enabled: false },
    skills: { enabled: true },
  });
  client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
  const skill = (name: string, description: string, body: string) => ({
    op: 'put' as const,
    doc: { frontmatter: { name, description }, body },
  });
  proxy.app.skills.library.apply(
    [
      skill('weather-in-celsius', 'How to report weather and temperatures to this user', CELSIUS),
      skill('git-force-push', 'Force pushing a git branch safely after a rebase', GIT),
    ],
    'manual',
  );
});
afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

/** One request in a fresh session (no task pin carries a block over); the agent model's request body. */
async function ask(question: string, done = false): Promise<string> {
  await client.chat.completions.create(
    { model: 'agent-model', messages: [{ role: 'user', content: question }] },
    { headers: { 'x-session-id': `s${++session}`, ...(done ? { 'x-session-done': 'true' } : {}) } },
  );
  return fake.requests.filter((r) => !isJudge(r)).at(-1)!.rawBody;
}
const weather = () => ask('What is the weather in Paris today?');

async function api<T>(path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${proxy.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}
const list = (qs = '') => api<ListResponse<SkillListItem> & { generation: number }>(`/v1/admin/skills${qs}`);

describe('skills admin API', () => {
  it('lists skills with use counts from judged turns, with and without each skill', async () => {
    await ask('What is the weather in Paris today?', true); // skill injected → °C → +1
    await ask('Tell me a joke about cats', true); // nothing injected → °F → -1
    await eventually(
      () => proxy.app.db.prepare('SELECT COUNT(*) AS n FROM rewards').pluck().get() === 2,
      10_000,
    );
    const all = await list();
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ object: 'list', total: 2, generation: 1 });
    const w = all.body.data.find((s) => s.name === 'weather-in-celsius')!;
    expect(w).toMatchObject({
      status: 'active',
      pinned: false,
      revision: 1,
      generation_added: 1,
      injected: 1,
      helpful: 1,
      harmful: 0,
      mean_reward_with: 1,
      mean_reward_without: -1,
    });
    expect((await list('?q=GIT')).body.data.map((s) => s.name)).toEqual(['git-force-push']);
    expect((await list('?status=retired')).body.total).toBe(0);
    expect((await list('?limit=1&offset=1')).body).toMatchObject({
      total: 2,
      data: [{ name: 'weather-in-celsius' }],
    });
  }, 20_000);

  it('edit makes a new generation the next request gets; diff shows the two revisions', async () => {
    expect(await weather()).toContain('Celsius');
    const events: unknown[] = [];
    const unsubscribe = proxy.app.adminEvents.subscribe((name, data) => void events.push({ name, data }));
    const edited = await api<ActionResult>('/v1/admin/skills/weather-in-celsius', { text: KELVIN });
    unsubscribe();
    expect(edited).toMatchObject({ status: 200, body: { ok: true, generation: 2 } });
    expect(events).toContainEqual({ name: 'generation', data: { generation: 2, cause: 'manual' } });
    const next = await weather();
    expect(next).toContain('Kelvin');
    expect(next).not.toContain('Celsius');

    const diff = await api<SkillDiff>('/v1/admin/skills/weather-in-celsius/diff?from=1&to=2');
    expect(diff.status).toBe(200);
    expect(diff.body.unified).toContain(`-${CELSIUS}`);
    expect(diff.body.unified).toContain(`+${KELVIN}`);
    expect(diff.body.hunks).toContainEqual({ op: 'del', text: `${CELSIUS}\n` });
    expect(diff.body.hunks).toContainEqual({ op: 'add', text: `${KELVIN}\n` });
    // Without parameters: the newest revision against the one before.
    expect((await api<SkillDiff>('/v1/admin/skills/weather-in-celsius/diff')).body).toMatchObject({
      from: 1,
      to: 2,
    });

    const detail = await api<SkillDetail & { active: { body: string } }>(
      '/v1/admin/skills/weather-in-celsius',
    );
    expect(detail.body).toMatchObject({
      text: KELVIN,
      revision: 2,
      status: 'active',
      active: { body: KELVIN },
    });
    expect(detail.body.revisions.map((r) => [r.revision, r.generation, r.status])).toEqual([
      [1, 1, 'retired'],
      [2, 2, 'active'],
    ]);
    expect(detail.body.revisions[1]!.reason).toBe('manual: edit weather-in-celsius (admin API)');
    expect(detail.body.provenance).toEqual({ evolution_id: null, support_turn_ids: [], verification: null });
  });

  it('pin makes a skill offered to every request; unpin stops it', async () => {
    expect(await weather()).not.toContain('force-with-lease');
    expect((await api<ActionResult>('/v1/admin/skills/git-force-push/pin', { pinned: true })).status).toBe(
      200,
    );
    expect(await weather()).toContain('force-with-lease');
    expect((await list('?q=git')).body.data[0]!.pinned).toBe(true);
    expect((await api<ActionResult>('/v1/admin/skills/git-force-push/pin', { pinned: false })).status).toBe(
      200,
    );
    expect(await weather()).not.toContain('force-with-lease');
  });

  it('retire stops injection; rollback to an older generation serves that library again', async () => {
    const retired = await api<ActionResult>('/v1/admin/skills/weather-in-celsius/retire', {});
    expect(retired.status).toBe(200);
    expect(await weather()).not.toContain('Kelvin');
    expect((await list('?status=retired')).body.data.map((s) => s.name)).toEqual(['weather-in-celsius']);
    expect((await api<SkillDetail>('/v1/admin/skills/weather-in-celsius')).body.status).toBe('retired');
    expect((await api('/v1/admin/skills/weather-in-celsius/retire', {})).status).toBe(409);
    expect((await api('/v1/admin/skills/weather-in-celsius', { text: 'x' })).status).toBe(409);

    const before = proxy.app.skills.library.current().generation;
    const rolled = await api<RollbackResult>('/v1/admin/generations/1/rollback', {});
    expect(rolled).toMatchObject({ status: 200, body: { ok: true, restored: 1, generation: before + 1 } });
    expect(await weather()).toContain('Celsius');
    expect((await list()).body.data.find((s) => s.name === 'weather-in-celsius')!.revision).toBe(1);
  });

  it('answers 400, 401 and 404 with the OpenAI error shape', async () => {
    const bad = await api<{ error: { param: string } }>('/v1/admin/skills?status=gone');
    expect(bad).toMatchObject({ status: 400, body: { error: { param: 'status' } } });
    expect((await list('?limit=5000')).status).toBe(400);
    expect((await api('/v1/admin/skills/nope')).status).toBe(404);
    expect((await api('/v1/admin/skills/nope/diff')).status).toBe(404);
    expect((await api('/v1/admin/skills/weather-in-celsius/diff?from=9&to=1')).status).toBe(404);
    expect((await api('/v1/admin/skills/weather-in-celsius/diff?from=abc')).status).toBe(400);
    expect((await api('/v1/admin/skills/nope', { text: 'x' })).status).toBe(404);
    expect((await api('/v1/admin/skills/git-force-push', { text: '' })).status).toBe(400);
    expect((await api('/v1/admin/skills/git-force-push', { text: 'ok', description: 7 })).status).toBe(400);
    expect((await api('/v1/admin/skills/git-force-push/pin', { pinned: 'yes' })).status).toBe(400);
    expect((await api('/v1/admin/generations/999/rollback', {})).status).toBe(404);
    expect((await api('/v1/admin/generations/x/rollback', {})).status).toBe(400);
    expect((await fetch(`${proxy.url}/v1/admin/skills`)).status).toBe(401);
    const res = await fetch(`${proxy.url}/v1/admin/skills/git-force-push/retire`, { method: 'POST' });
    expect(res.status).toBe(401);
  });
});
