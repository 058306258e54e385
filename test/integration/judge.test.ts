import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeLlm,
  type RecordedRequest,
  type Reply,
  startFakeLlm,
  systemText,
} from '../fixtures/fake-llm/index.js';
import { eventually, openaiUpstream, startProxy, tempHome } from '../helpers/proxy.js';

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(async () => {
  await fake.close();
});

const isJudge = (r: RecordedRequest) => systemText(r).includes('You evaluate one response');

/** Agent calls get an answer; judge calls get a verdict that depends on the follow-up. */
function script(judgeReply: (req: RecordedRequest) => Reply): void {
  fake.script((req) =>
    isJudge(req) ? judgeReply(req) : { text: `answer: ${JSON.stringify(req.body.messages).length}` },
  );
}

const judgeConfig = (url: string) => ({
  enabled: true,
  base_url: `${url}/v1`,
  model: 'judge-model',
  votes: 3,
});

async function converse(proxyUrl: string, sessionId: string, followUps: string[]) {
  const client = new OpenAI({ baseURL: `${proxyUrl}/v1`, apiKey: 'k', maxRetries: 0 });
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [];
  for (let i = 0; i < followUps.length; i++) {
    messages.push({ role: 'user', content: followUps[i]! });
    const done = i === followUps.length - 1;
    const r = await client.chat.completions.create(
      { model: 'agent-model', messages },
      { headers: { 'x-session-id': sessionId, ...(done ? { 'x-session-done': 'true' } : {}) } },
    );
    messages.push({ role: 'assistant', content: r.choices[0]!.message.content });
  }
}

describe('judging turns', () => {
  it('judges each main turn once its next state is known, with a majority of votes and the follow-up as evidence', async () => {
    let n = 0;
    script((req) => {
      const prompt = JSON.stringify(req.body.messages);
      const nextState = prompt.slice(prompt.indexOf('## Next state'));
      // A follow-up "that is wrong" is evidence of failure; two of three votes say so.
      if (nextState.includes('that is wrong'))
        return { text: n++ % 3 === 2 ? 'Looks fine.\nScore: 1' : 'The user corrected it.\nScore: -1' };
      return { text: 'Done as asked.\nScore: 1' };
    });
    const proxy = await startProxy({ upstream: openaiUpstream(fake.url), judge: judgeConfig(fake.url) });
    try {
      await converse(proxy.url, 's-judge', ['add 2 and 2', 'that is wrong, it is 4', 'thanks']);
      const turns = proxy.app.turns.listBySession('s-judge');
      expect(turns).toHaveLength(3);
      await eventually(() => turns.every((t) => proxy.app.rewards.forTurn(t.id).length === 1), 10_000);
      const scores = turns.map((t) => proxy.app.rewards.effective(t.id)!);
      expect(scores.map((s) => s.score)).toEqual([-1, 1, 1]);
      expect(scores[0]!.votes).toHaveLength(3);
      expect(scores[0]!.rationale).toMatch(/corrected/);
      // Judge calls used the judge model and the configured temperature.
      const judgeCalls = fake.requests.filter(isJudge);
      expect(judgeCalls).toHaveLength(9);
      expect(judgeCalls.every((r) => r.body.model === 'judge-model' && r.body.temperature === 0.6)).toBe(
        true,
      );
    } finally {
      await proxy.close();
    }
  });

  it('a judge outage leaves jobs pending with a visible error; after a restart they complete, none judged twice', async () => {
    script(() => ({ text: 'ok\nScore: 1' }));
    const home = tempHome();
    const down = await startProxy(
      {
        upstream: openaiUpstream(fake.url),
        judge: { ...judgeConfig('http://127.0.0.1:9'), timeout_ms: 500 },
      },
      { home },
    );
    await converse(down.url, 's-outage', ['one', 'two', 'three']);
    const pending = await eventually(() => {
      const errs = down.app.jobs.recentErrors();
      return errs.length >= 1 ? errs : null;
    }, 10_000);
    expect(pending[0]!.error).toMatch(/cannot be reached|unavailable/);
    expect(down.app.jobs.counts().pending + down.app.jobs.counts().running).toBeGreaterThanOrEqual(1);
    await down.close();

    const judgeCallsBefore = fake.requests.filter(isJudge).length;
    const up = await startProxy(
      { upstream: openaiUpstream(fake.url), judge: judgeConfig(fake.url) },
      { home },
    );
    try {
      // Retry backoff may delay the first attempt; wake the runner as a restart would after it.
      const turns = up.app.turns.listBySession('s-outage');
      await eventually(() => turns.every((t) => up.app.rewards.forTurn(t.id).length === 1), 15_000);
      expect(turns.map((t) => up.app.rewards.forTurn(t.id).length)).toEqual([1, 1, 1]);
      await up.app.runner.idle();
      expect(fake.requests.filter(isJudge).length - judgeCallsBefore).toBe(9);
    } finally {
      await up.close();
    }
  }, 30_000);

  it('takes explicit feedback over the API, and it overrides the judge', async () => {
    script(() => ({ text: 'fine\nScore: 1' }));
    const proxy = await startProxy({ upstream: openaiUpstream(fake.url), judge: judgeConfig(fake.url) });
    try {
      await converse(proxy.url, 's-feedback', ['do it']);
      const [turn] = proxy.app.turns.listBySession('s-feedback');
      await eventually(() => proxy.app.rewards.forTurn(turn!.id).length === 1);
      const res = await fetch(`${proxy.url}/v1/admin/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ session_id: 's-feedback', score: -1, comment: 'it did the wrong thing' }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ turn_id: turn!.id, score: -1, source: 'user' });
      expect(proxy.app.rewards.effective(turn!.id)).toMatchObject({
        source: 'user',
        score: -1,
        rationale: 'it did the wrong thing',
      });
      const bad = await fetch(`${proxy.url}/v1/admin/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ turn_id: turn!.id, score: 7 }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/score/);
    } finally {
      await proxy.close();
    }
  });

  it("a session's feedback goes to the turn the judge calls its last: a failed call is not it", async () => {
    let failNext = false;
    fake.script(() => {
      if (!failNext) return { text: 'an answer' };
      return { fault: { status: 500, message: 'upstream broke' } };
    });
    const proxy = await startProxy({ upstream: openaiUpstream(fake.url, { max_retries: 0 }) });
    try {
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
      const headers = { 'x-session-id': 's-last' };
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'first' }];
      await client.chat.completions.create({ model: 'm', messages }, { headers });
      failNext = true;
      messages.push({ role: 'assistant', content: 'an answer' }, { role: 'user', content: 'second' });
      await expect(client.chat.completions.create({ model: 'm', messages }, { headers })).rejects.toThrow();
      const turns = await eventually(() => {
        const t = proxy.app.turns.listBySession('s-last');
        return t.length === 2 ? t : null;
      });
      expect(turns.map((t) => t.status)).toEqual(['ok', 'error']);
      const res = await fetch(`${proxy.url}/v1/admin/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ session_id: 's-last', score: 1 }),
      });
      expect(await res.json()).toMatchObject({ turn_id: turns[0]!.id });
      expect(proxy.app.turns.lastMainTurnId('s-last')).toBe(turns[0]!.id);
    } finally {
      await proxy.close();
    }
  });
});
