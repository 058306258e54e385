import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { currentLoop, toolNames } from '../fixtures/fake-llm/index.js';
import {
  ANSWERS,
  answerOf,
  NOTES,
  OPENCLAW_MODEL,
  type OpenClawApi,
  type Session,
  startSession,
  TASKS,
} from './scenario.js';
import { describeRun, eventually, recordedTurns } from './support.js';

/*
 * The real OpenClaw CLI (npm openclaw, from the agent cache: install.ts; run with the cached Node 24),
 * wired by `metaclaw integrate openclaw --openclaw-api <api>` into a temp HOME, runs one task with
 * `openclaw agent --local` (the embedded agent, no gateway) through a real `metaclaw start` service in
 * front of the fake LLM: the fake answers the first call with a call to OpenClaw's `read` tool on
 * notes.txt, and the next call — which carries the file's content as the tool result — with the
 * answer. Both provider APIs OpenClaw can be wired with: anthropic-messages (Anthropic upstream) and
 * openai-completions (OpenAI Chat upstream). OpenClaw honours HTTPS_PROXY / HTTP_PROXY (it tunnels
 * with CONNECT even to http:// hosts), so the tap sees every request it makes.
 */

const SKILL = {
  name: 'file-line-counts',
  description: 'How to count and report the lines of a text file',
  body: 'Count every line, the heading included, and say what the lines are.',
};

const sessions: Session[] = [];

afterAll(async () => {
  for (const s of sessions) await s.close();
});

const MODES: { api: OpenClawApi; path: string; protocol: string }[] = [
  { api: 'anthropic-messages', path: '/v1/messages', protocol: 'anthropic-messages' },
  { api: 'openai-completions', path: '/v1/chat/completions', protocol: 'openai-chat' },
];

describe('OpenClaw through MetaClaw', () => {
  for (const mode of MODES) {
    it(`${mode.api}: openclaw agent --local runs a tool loop through the proxy; every call is recorded`, async () => {
      const s = await startSession({ agent: 'openclaw', openclawApi: mode.api }, SKILL);
      sessions.push(s);

      // What `metaclaw integrate openclaw` wrote.
      const cfg = JSON.parse(fs.readFileSync(path.join(s.home, '.openclaw', 'openclaw.json'), 'utf8'));
      const model = OPENCLAW_MODEL[mode.api];
      expect(cfg.models.providers.metaclaw).toMatchObject({
        baseUrl: mode.api === 'openai-completions' ? `${s.proxyUrl}/v1` : s.proxyUrl,
        apiKey: s.proxyKey,
        api: mode.api,
        models: [{ id: model }],
      });
      expect(cfg.agents.defaults.model.primary).toBe(`metaclaw/${model}`);

      const run = await s.task(TASKS[0]);
      const why = describeRun('openclaw', run, s.tap);
      expect(run.code, why).toBe(0);
      // The answer the fake gives only when the tool result held the file.
      expect(answerOf('openclaw', run), why).toBe(ANSWERS[0]);

      // Everything OpenClaw sent went to the proxy, with the wired key; nothing else was tried.
      expect(s.tap.refused, why).toEqual([]);
      const posts = s.tap.requests;
      expect(posts.length, why).toBeGreaterThanOrEqual(2);
      for (const q of posts) {
        expect(`${q.method} ${q.url}`, why).toBe(`POST ${s.proxyUrl}${mode.path}`);
        expect(q.status, why).toBe(200);
        if (mode.api === 'anthropic-messages') expect(q.headers['x-api-key']).toBe(s.proxyKey);
        else expect(q.headers.authorization).toBe(`Bearer ${s.proxyKey}`);
      }
      const sent = posts.map((q) => ({ body: JSON.parse(q.body) as Record<string, unknown> }));
      for (const b of sent) {
        expect(b.body.model).toBe(model);
        expect(b.body.stream).toBe(true);
        expect(toolNames(b)).toEqual(expect.arrayContaining(['read', 'write', 'exec']));
        expect(JSON.stringify(b.body)).toContain('You are a personal assistant running inside OpenClaw.');
      }
      // The loop: first call without a tool result, the last with `read`'s result, the file's content.
      expect(currentLoop(sent[0]!).results).toEqual([]);
      const last = currentLoop(sent.at(-1)!);
      expect(last.task).toContain(TASKS[0]);
      expect(last.calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
        ['read', { path: 'notes.txt' }],
      ]);
      expect(last.results).toHaveLength(1);
      expect(last.results[0]).toContain(NOTES.trim());

      // Every call reached the upstream once, with the upstream key.
      expect(s.fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(
        posts.map(() => `POST ${mode.path}`),
      );
      for (const r of s.fake.requests) expect(r.apiKey).toBe('upstream-secret');

      // Every call is recorded as a turn of this protocol; the task got the skill.
      const turns = await eventually(async () => {
        const t = await recordedTurns(s.proxyUrl, s.proxyKey);
        return t.length >= posts.length ? t : null;
      });
      expect(turns).toHaveLength(posts.length);
      for (const t of turns)
        expect(t).toMatchObject({ protocol: mode.protocol, status: 'ok', httpStatus: 200 });
      const first = turns.find((t) => JSON.stringify(t.request) === JSON.stringify(sent[0]!.body));
      expect(first, JSON.stringify(turns.map((t) => [t.kind, t.protocol]))).toBeDefined();
      expect(first!.kind).toBe('main');
      expect(first!.injectedRevisionIds.length).toBeGreaterThan(0);
      const atFake = JSON.stringify(s.fake.requests[0]!.body);
      expect(atFake).toContain('## Skills');
      expect(atFake).toContain(SKILL.name);
    }, 200_000);
  }
});
