import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, lastUserText, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { POLICY_FIXTURE_DIR } from '../fixtures/policy/index.js';
import { type FakeTinker, startFakeTinker } from '../fixtures/tinker/index.js';
import { eventually, openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

/**
 * The slow loop end to end: a trainable policy on a local Tinker-protocol server serves requests
 * through the proxy, a judge rewards one behaviour (answers containing the letter "e"), the trainer
 * learns from the recorded tokens, and new sampler weights go live while requests keep flowing.
 */
const TARGET = 'e';

let tinker: FakeTinker;
let fake: FakeLlm;
let proxy: TestProxy;
let client: OpenAI;

beforeAll(async () => {
  tinker = await startFakeTinker({ vocab: 312, seed: 7 });
  fake = await startFakeLlm();
  fake.script((req) => {
    const prompt = lastUserText(req);
    const start = prompt.indexOf('## Response\n') + '## Response\n'.length;
    const response = prompt.slice(start, prompt.indexOf('## Next state'));
    return { text: response.includes(TARGET) ? 'Has it.\nScore: 1' : 'Lacks it.\nScore: -1' };
  });
  proxy = await startProxy({
    upstream: openaiUpstream(fake.url),
    serving: { mode: 'policy', policy: { tokenizer_dir: POLICY_FIXTURE_DIR, max_tokens: 6, temperature: 1 } },
    rl: {
      enabled: true,
      backend_url: tinker.url,
      api_key: tinker.apiKey,
      base_model: tinker.baseModel,
      lora_rank: 8,
      learning_rate: 0.3,
      batch_size: 64,
      min_batch: 8,
      checkpoint_every: 2,
      max_policy_lag: 1,
      schedule: 'manual',
    },
    judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge', votes: 1, max_concurrency: 8 },
    evolution: { enabled: false },
    skills: { enabled: false },
  });
  client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
});
afterAll(async () => {
  await proxy?.close();
  await fake?.close();
  await tinker?.close();
});

let served = 0;
/** Serve `n` one-turn sessions (8 at a time); returns the answers. */
async function serve(n: number): Promise<string[]> {
  const answers: string[] = [];
  const worker = async () => {
    while (answers.length < n) {
      const id = `s${served++}`;
      const r = await client.chat.completions.create(
        { model: 'policy', messages: [{ role: 'user', content: 'Say something.' }] },
        { headers: { 'x-session-id': id, 'x-session-done': 'true' } },
      );
      answers.push(r.choices[0]!.message.content ?? '');
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return answers.slice(0, n);
}

const rate = (answers: string[]) => answers.filter((a) => a.includes(TARGET)).length / answers.length;

describe('RL on the served policy', () => {
  it('learns the rewarded behaviour from judged traffic, swapping weights in without failing a request', async () => {
    const rl = proxy.app.rl!;
    const before = rate(await serve(96));
    const losses: number[] = [];
    let failed = 0;
    for (let round = 0; round < 8; round++) {
      await serve(64);
      await eventually(
        () => proxy.app.jobs.counts().pending === 0 && proxy.app.jobs.counts().running === 0,
        20_000,
      );
      // A swap under concurrent requests: traffic keeps flowing while the step saves new weights.
      const traffic = serve(24).catch(() => {
        failed++;
        return [];
      });
      const out = await rl.trainer.step();
      await traffic;
      expect(out.kind).toBe('trained');
      if (out.kind === 'trained') losses.push(out.loss);
    }
    const after = rate(await serve(96));
    expect(failed).toBe(0);
    expect(rl.trainer.policyVersion()).toBe(8);
    // Turns record the exact tokens and the version that served them.
    const last = proxy.app.turns.listBySession(`s${served - 1}`)[0]!;
    expect(last.policyVersion).toBe(8);
    expect(last.promptTokenIds!.length).toBeGreaterThan(0);
    expect(last.responseLogprobs!.length).toBe(last.responseTokenIds!.length);
    // The rewarded behaviour became clearly more likely on fresh samples.
    console.log(
      `target rate before ${before.toFixed(2)}, after ${after.toFixed(2)}; losses ${losses.map((l) => l.toFixed(2)).join(' ')}`,
    );
    expect(after).toBeGreaterThan(before + 0.2);
    // The importance-sampling surrogate loss falls as advantaged tokens become likelier.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-3))).toBeLessThan(mean(losses.slice(0, 3)));
    expect(rl.trainer.steps.checkpoints().length).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
