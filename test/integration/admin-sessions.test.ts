import fs from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ApiError,
  ListResponse,
  SessionDetail,
  SessionListItem,
  TurnDetail,
} from '../../src/admin-api/contract.js';
import {
  type FakeLlm,
  lastUserText,
  type RecordedRequest,
  startFakeLlm,
  systemText,
} from '../fixtures/fake-llm/index.js';
import { eventually, openaiUpstream, startProxy, type TestProxy, tempHome } from '../helpers/proxy.js';

const KEY = 'dash-key';
let fake: FakeLlm;
let proxy: TestProxy;

const isJudge = (r: RecordedRequest) => systemText(r).includes('You evaluate one response');
const lastRole = (r: RecordedRequest) => {
  const list = (r.body.messages ?? r.body.input) as { role?: string }[] | undefined;
  return Array.isArray(list) ? list.at(-1)?.role : undefined;
};

async function get<T>(p: string, key: string | null = KEY): Promise<{ status: number; body: T }> {
  const res = await fetch(`${proxy.url}${p}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.status, body: (await res.json()) as T };
}
const list = async (q: string) => (await get<ListResponse<SessionListItem>>(`/v1/admin/sessions${q}`)).body;
const ids = (l: ListResponse<SessionListItem>) => l.data.map((s) => s.id).sort();

beforeAll(async () => {
  fake = await startFakeLlm();
  fake.script((req) => {
    if (isJudge(req)) {
      // The follow-up "that is wrong" in the next state is evidence the judged turn failed.
      const prompt = JSON.stringify(req.body.messages);
      const next = prompt.slice(prompt.indexOf('## Next state'));
      return {
        text: next.includes('that is wrong')
          ? 'The user corrected it.\nScore: -1'
          : 'Done as asked.\nScore: 1',
      };
    }
    if (lastRole(req) === 'tool') return { text: 'Pushed.' };
    const asked = lastUserText(req);
    if (asked.includes('force push'))
      return {
        text: 'Pushing now.',
        toolCalls: [{ name: 'bash', arguments: { command: 'git push --force-with-lease' } }],
      };
    if (asked.includes('weather'))
      return { text: 'Let me look.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };
    return { text: `hello back: ${asked}` };
  });
  const home = tempHome();
  const skill = path.join(home, 'skills', 'git-force-push');
  fs.mkdirSync(skill, { recursive: true });
  fs.writeFileSync(
    path.join(skill, 'SKILL.md'),
    '---\nname: git-force-push\ndescription: How to force push a git branch safely\n---\n\nUse git push --force-with-lease.\n',
  );
  proxy = await startProxy(
    {
      proxy: { api_key: KEY },
      upstream: openaiUpstream(fake.url),
      judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge-model', votes: 3 },
      evolution: { enabled: false },
    },
    { home },
  );

  // Session 1: Claude Code over Anthropic Messages, a tool loop, then a correction; ends → all judged.
  const anthropic = new Anthropic({
    baseURL: proxy.url,
    apiKey: KEY,
    maxRetries: 0,
    defaultHeaders: { 'user-agent': 'claude-cli/2.1.90', 'x-session-id': 's-anth' },
  });
  const system = 'You are Claude Code, an agent.';
  const ask: Anthropic.MessageParam = {
    role: 'user',
    content: [
      { type: 'text', text: '<system-reminder>CLAUDE.md says: be brief</system-reminder>' },
      { type: 'text', text: 'I need to force push my git branch after a rebase' },
    ],
  };
  const t1 = await anthropic.messages.create({ model: 'm', max_tokens: 100, system, messages: [ask] });
  const use = t1.content.find((b) => b.type === 'tool_use')!;
  const loop: Anthropic.MessageParam[] = [
    ask,
    { role: 'assistant', content: t1.content },
    {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: use.id, content: 'Everything up-to-date' }],
    },
  ];
  const t2 = await anthropic.messages.create({ model: 'm', max_tokens: 100, system, messages: loop });
  await anthropic.messages.create(
    {
      model: 'm',
      max_tokens: 100,
      system,
      messages: [
        ...loop,
        { role: 'assistant', content: t2.content },
        { role: 'user', content: 'that is wrong, I wanted a plain push' },
      ],
    },
    { headers: { 'x-session-done': 'true' } },
  );

  // Session 2: OpenAI Chat, streamed, answering with a tool call; ends → judged.
  const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
  const stream = await openai.chat.completions.create(
    { model: 'm', stream: true, messages: [{ role: 'user', content: 'what is the weather in Paris' }] },
    { headers: { 'x-session-id': 's-chat', 'x-session-done': 'true' } },
  );
  for await (const _ of stream);

  // Session 3: OpenAI Responses; not ended (not judged) but given explicit feedback.
  await openai.responses.create(
    { model: 'm', input: 'say hello' },
    { headers: { 'x-session-id': 's-resp' } },
  );
  const fb = await fetch(`${proxy.url}/v1/admin/feedback`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ session_id: 's-resp', score: 1, comment: 'nice' }),
  });
  expect(fb.status).toBe(200);

  const judged = () =>
    proxy.app.db.prepare("SELECT COUNT(*) AS n FROM rewards WHERE source = 'judge'").get() as { n: number };
  await eventually(() => judged().n === 4, 20_000);
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

describe('GET /v1/admin/sessions', () => {
  it('lists sessions with the dashboard counters and the older record fields', async () => {
    const all = await list('');
    expect(all.object).toBe('list');
    expect(all.total).toBe(3);
    const anth = all.data.find((s) => s.id === 's-anth')!;
    expect(anth).toMatchObject({
      agent: 'claude-cli',
      client: 'claude-cli',
      turns: 3,
      failed_turns: 1,
      has_feedback: false,
      ended_at: expect.any(Number),
    });
    expect(anth.mean_reward).toBeCloseTo(1 / 3);
    expect(anth.last_at).toBeGreaterThanOrEqual(anth.started_at);
    // The camelCase SessionRecord fields older clients read are still there.
    expect(anth).toMatchObject({ startedAt: anth.started_at, turnCount: 3, source: 'header' });
    const resp = all.data.find((s) => s.id === 's-resp')!;
    expect(resp).toMatchObject({ mean_reward: null, has_feedback: true, failed_turns: 0 });
  });

  it('filters by agent, failure, judging, feedback and start time, and pages with totals', async () => {
    expect(ids(await list('?agent=claude-cli'))).toEqual(['s-anth']);
    expect(ids(await list('?failed=1'))).toEqual(['s-anth']);
    expect(ids(await list('?judged=1'))).toEqual(['s-anth', 's-chat']);
    expect(ids(await list('?feedback=1'))).toEqual(['s-resp']);
    expect(ids(await list('?judged=1&agent=claude-cli&failed=1'))).toEqual(['s-anth']);
    const future = Date.now() + 60_000;
    expect((await list(`?since=${future}`)).total).toBe(0);
    expect((await list(`?until=${future}&since=0`)).total).toBe(3);
    const first = await list('?limit=2');
    const rest = await list('?limit=2&offset=2');
    expect([first.total, first.data.length, rest.total, rest.data.length]).toEqual([3, 2, 3, 1]);
    expect(new Set([...ids(first), ...ids(rest)]).size).toBe(3);
  });

  it('answers 400 naming the bad parameter, and 401 without the key', async () => {
    for (const [q, param] of [
      ['limit=0', 'limit'],
      ['offset=-1', 'offset'],
      ['since=yesterday', 'since'],
      ['failed=yes', 'failed'],
      ['agent=', 'agent'],
    ] as const) {
      const r = await get<ApiError>(`/v1/admin/sessions?${q}`);
      expect(r.status).toBe(400);
      expect(r.body.error.param).toBe(param);
      expect(r.body.error.message).toContain(param);
    }
    expect((await get<ApiError>('/v1/admin/sessions', null)).status).toBe(401);
    expect((await get<ApiError>('/v1/admin/sessions', 'wrong')).status).toBe(401);
    // The query-string key is for the events stream only.
    expect((await get<ApiError>(`/v1/admin/sessions?key=${KEY}`, null)).status).toBe(401);
  });
});

describe('GET /v1/admin/sessions/:id', () => {
  it('summarises each turn: stripped request, answer, tool calls, skills, judge votes, next state', async () => {
    const { status, body } = await get<SessionDetail>('/v1/admin/sessions/s-anth');
    expect(status).toBe(200);
    expect(body.turn_count).toBe(3);
    const [t1, t2, t3] = body.turns;
    expect(t1).toMatchObject({
      session_id: 's-anth',
      index: 1,
      kind: 'main',
      protocol: 'anthropic-messages',
      status: 'ok',
      // Claude Code's <system-reminder> is not the user's words.
      request_text: 'I need to force push my git branch after a rebase',
      injected_skills: ['git-force-push'],
      answer: { text: 'Pushing now.' },
      generation: 1,
      policy_version: null,
      feedback: [],
    });
    expect(t1!.answer.tool_calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
      ['bash', { command: 'git push --force-with-lease' }],
    ]);
    expect(t1!.latency_ms).toBeGreaterThan(0);
    expect(t1!.input_tokens).toBeGreaterThan(0);
    expect(t1!.output_tokens).toBeGreaterThan(0);
    expect(t1!.next_state_text).toContain('Everything up-to-date');
    expect(t1!.judge!.score).toBe(1);
    expect(t1!.judge!.votes.map((v) => v.score)).toEqual([1, 1, 1]);
    // Each vote carries its own rationale (migration 012), not only the majority's first.
    expect(t1!.judge!.votes.map((v) => v.rationale)).toEqual([
      'Done as asked.',
      'Done as asked.',
      'Done as asked.',
    ]);
    // The tool-loop turn: still the same request, its next state is the correction.
    expect(t2).toMatchObject({ index: 2, request_text: t1!.request_text, answer: { text: 'Pushed.' } });
    expect(t2!.next_state_text).toContain('that is wrong');
    expect(t2!.judge!.score).toBe(-1);
    expect(t2!.judge!.votes.map((v) => v.rationale)).toContain('The user corrected it.');
    expect(t3).toMatchObject({
      index: 3,
      request_text: 'that is wrong, I wanted a plain push',
      next_state_text: null,
    });
    // Summaries carry no raw JSON unless asked.
    expect(t1).not.toHaveProperty('request');
  });

  it('pages long sessions with turn_limit / turn_offset', async () => {
    const { body } = await get<SessionDetail>('/v1/admin/sessions/s-anth?turn_limit=1&turn_offset=1');
    expect(body.turn_count).toBe(3);
    expect(body.turns.map((t) => t.index)).toEqual([2]);
    // The next state of the page's last turn comes from beyond the page.
    expect(body.turns[0]!.next_state_text).toContain('that is wrong');
    const bad = await get<ApiError>('/v1/admin/sessions/s-anth?turn_limit=0');
    expect([bad.status, bad.body.error.param]).toEqual([400, 'turn_limit']);
  });

  it('reads streamed Chat tool calls and Responses answers, with explicit feedback', async () => {
    const chat = (await get<SessionDetail>('/v1/admin/sessions/s-chat')).body.turns[0]!;
    expect(chat).toMatchObject({ protocol: 'openai-chat', request_text: 'what is the weather in Paris' });
    expect(chat.answer.text).toBe('Let me look.');
    expect(chat.answer.tool_calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
      ['get_weather', { city: 'Paris' }],
    ]);
    expect(chat.injected_skills).toEqual([]);
    const resp = (await get<SessionDetail>('/v1/admin/sessions/s-resp')).body;
    expect(resp.has_feedback).toBe(true);
    expect(resp.turns[0]).toMatchObject({
      protocol: 'openai-responses',
      request_text: 'say hello',
      answer: { text: 'hello back: say hello', tool_calls: [] },
      judge: null,
      feedback: [{ score: 1, comment: 'nice', created_at: expect.any(Number) }],
    });
  });

  it('keeps the older raw turn records behind raw=1, and 404s unknown sessions', async () => {
    const { body } = await get<{ turns: Record<string, unknown>[] }>('/v1/admin/sessions/s-anth?raw=1');
    expect(body.turns[0]).toMatchObject({ seq: 1, sessionId: 's-anth', request_text: expect.any(String) });
    expect(body.turns[0]!.request).toHaveProperty('messages');
    const missing = await get<ApiError>('/v1/admin/sessions/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ message: 'no session nope', type: 'not_found_error' });
  });
});

describe('GET /v1/admin/turns/:id', () => {
  it('returns the summary plus the raw request, upstream request, response and usage', async () => {
    const first = (await get<SessionDetail>('/v1/admin/sessions/s-anth')).body.turns[0]!;
    const { status, body } = await get<TurnDetail>(`/v1/admin/turns/${first.id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ ...first, judge: first.judge });
    // Raw: the client's request as sent (wrappers included) and what went upstream (skills injected).
    expect(JSON.stringify(body.request)).toContain('system-reminder');
    expect(JSON.stringify(body.upstream_request)).toContain('force-with-lease');
    expect(body.response).toHaveProperty('content');
    expect(body.usage).toBeTruthy();
    const missing = await get<ApiError>('/v1/admin/turns/nope');
    expect([missing.status, missing.body.error.type]).toEqual([404, 'not_found_error']);
  });
});
