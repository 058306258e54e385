import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type FakeLlm, type RecordedRequest, startFakeLlm, systemText } from '../fixtures/fake-llm/index.js';
import { eventually, openaiUpstream, startProxy } from '../helpers/proxy.js';

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm();
  fake.script((req) => (isJudge(req) ? { text: 'Done as asked.\nScore: 1' } : { text: 'an answer' }));
});
afterAll(async () => {
  await fake.close();
});

const isJudge = (r: RecordedRequest) => systemText(r).includes('You evaluate one response');

/** Issue 17 point 11: judge and evolution settings reach the running service without a restart. */
describe('live reload of the learning settings', () => {
  it('a changed judge.votes / evolution.* applies to the next judgement; endpoints still need a restart', async () => {
    const raw = {
      upstream: openaiUpstream(fake.url),
      judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge-model', votes: 3 },
      evolution: { enabled: false },
    };
    const proxy = await startProxy(raw);
    try {
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
      const ask = async (session: string) => {
        await client.chat.completions.create(
          { model: 'agent-model', messages: [{ role: 'user', content: `hello from ${session}` }] },
          { headers: { 'x-session-id': session, 'x-session-done': 'true' } },
        );
        const turn = await eventually(() => proxy.app.turns.listBySession(session)[0]);
        return eventually(() => proxy.app.rewards.forTurn(turn.id).find((r) => r.source === 'judge'), 10_000);
      };
      expect((await ask('before')).votes).toHaveLength(3);

      // The user edits the file (as `metaclaw config set` does): one vote, a judge budget, a new
      // evolution threshold, and a new judge URL that cannot be applied live.
      const file = path.join(proxy.home, 'config.yaml');
      const edited = {
        ...raw,
        judge: { ...raw.judge, votes: 1, daily_call_budget: 500, base_url: `${fake.url}/other/v1` },
        evolution: { enabled: false, min_failures: 7, approval: 'manual' },
      };
      fs.writeFileSync(file, YAML.stringify(edited));
      const st = proxy.app.liveConfig.reload();
      expect(st.reloaded).toEqual(
        expect.arrayContaining([
          'judge.votes',
          'judge.daily_call_budget',
          'evolution.min_failures',
          'evolution.approval',
        ]),
      );
      expect(st.restart_needed).toEqual(['judge.base_url']);

      const judgeCallsBefore = fake.requests.filter(isJudge).length;
      expect((await ask('after')).votes).toHaveLength(1);
      expect(fake.requests.filter(isJudge).length - judgeCallsBefore).toBe(1);
    } finally {
      await proxy.close();
    }
  });
});
