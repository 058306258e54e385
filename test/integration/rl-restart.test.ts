import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { POLICY_FIXTURE_DIR } from '../fixtures/policy/index.js';
import { type FakeTinker, startFakeTinker } from '../fixtures/tinker/index.js';
import { eventually, openaiUpstream, startProxy, tempHome } from '../helpers/proxy.js';

/** A restart continues training from the last checkpoint and serves the last sampler weights. */
let tinker: FakeTinker;
let fake: FakeLlm;

beforeAll(async () => {
  tinker = await startFakeTinker({ vocab: 312, seed: 21 });
  fake = await startFakeLlm();
  let n = 0;
  fake.script(() => ({ text: n++ % 2 ? 'Good.\nScore: 1' : 'Bad.\nScore: -1' }));
});
afterAll(async () => {
  await fake?.close();
  await tinker?.close();
});

const config = () => ({
  upstream: openaiUpstream(fake.url),
  serving: { mode: 'policy', policy: { tokenizer_dir: POLICY_FIXTURE_DIR, max_tokens: 4 } },
  rl: {
    enabled: true,
    backend_url: tinker.url,
    api_key: tinker.apiKey,
    base_model: tinker.baseModel,
    lora_rank: 4,
    batch_size: 8,
    min_batch: 8,
    checkpoint_every: 1,
    schedule: 'manual',
  },
  judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge', votes: 1 },
  evolution: { enabled: false },
  skills: { enabled: false },
});

describe('RL across a restart', () => {
  it('resumes from the last checkpoint (with optimizer state) and serves the newest sampler', async () => {
    const home = tempHome();
    const first = await startProxy(config(), { home });
    const client = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: 'k', maxRetries: 0 });
    for (let i = 0; i < 8; i++) {
      await client.chat.completions.create(
        { model: 'p', messages: [{ role: 'user', content: `q${i}` }] },
        { headers: { 'x-session-id': `r${i}`, 'x-session-done': 'true' } },
      );
    }
    await eventually(() => first.app.jobs.counts().pending + first.app.jobs.counts().running === 0, 20_000);
    const out = await first.app.rl!.trainer.step();
    expect(out).toMatchObject({ kind: 'trained', version: 1 });
    const checkpoint = first.app.rl!.trainer.steps.latestCheckpoint()!;
    const sampler = first.app.rl!.trainer.steps.latestSampler()!;
    expect(checkpoint).toMatch(/\/weights\//);
    await first.close();

    const loadsBefore = tinker.requests.filter((r) => r.path.endsWith('load_weights')).length;
    const second = await startProxy(config(), { home });
    try {
      // Serving starts on the newest sampler weights, as version 1.
      const c2 = new OpenAI({ baseURL: `${second.url}/v1`, apiKey: 'k', maxRetries: 0 });
      await c2.chat.completions.create(
        { model: 'p', messages: [{ role: 'user', content: 'after restart' }] },
        { headers: { 'x-session-id': 'after' } },
      );
      const turn = second.app.turns.listBySession('after')[0]!;
      expect(turn.policyVersion).toBe(1);
      const loads = tinker.requests.filter((r) => r.path.endsWith('load_weights'));
      expect(loads.length).toBe(loadsBefore + 1);
      expect(loads.at(-1)!.body).toMatchObject({ path: checkpoint, optimizer: true });
      const sampled = tinker.requests.filter((r) => r.path.endsWith('create_sampling_session')).at(-1)!;
      expect(sampled.body).toMatchObject({ model_path: sampler });
    } finally {
      await second.close();
    }
  }, 60_000);
});
