import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OverrideFile } from '../../src/scheduler/override.js';
import { SchedulerEventRepository } from '../../src/store/scheduler-events.js';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { POLICY_FIXTURE_DIR } from '../fixtures/policy/index.js';
import { type FakeTinker, startFakeTinker } from '../fixtures/tinker/index.js';
import { eventually, openaiUpstream, startProxy, type TestProxy, tempHome } from '../helpers/proxy.js';

/**
 * Preemption against the Tinker-protocol test server: the scheduler opens a window, the RL
 * trainer starts stepping on the remote service, the window closes mid-step; the step in flight
 * finishes, a checkpoint is saved, the state machine goes preempting → idle_wait, and the
 * samples not used yet stay queued. Serving is never paused.
 */
let tinker: FakeTinker;
let fake: FakeLlm;
let proxy: TestProxy;
let home: string;

beforeAll(async () => {
  // Every future answers try_again a few times: remote calls take a while, like the real service.
  tinker = await startFakeTinker({ vocab: 312, seed: 11, tryAgain: 3 });
  fake = await startFakeLlm();
  let n = 0;
  fake.script(() => ({ text: n++ % 2 ? 'Good.\nScore: 1' : 'Bad.\nScore: -1' }));
  home = tempHome();
  proxy = await startProxy(
    {
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
        max_policy_lag: 10,
        schedule: 'scheduler',
        checkpoint_every: 100,
      },
      scheduler: {
        enabled: true,
        sleep_enabled: false,
        idle_enabled: false,
        proxy_idle_minutes: 0,
        active_veto_minutes: 0,
        tick_seconds: 3600,
      },
      judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge', votes: 1 },
      evolution: { enabled: false },
      skills: { enabled: false },
    },
    { home },
  );
  await proxy.app.scheduler!.tick();
});
afterAll(async () => {
  await proxy?.close();
  await fake?.close();
  await tinker?.close();
});

describe('preemption of RL training', () => {
  it('a window that closes mid-step lets the remote call finish, checkpoints, and leaves the rest queued', async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
    for (let i = 0; i < 32; i++) {
      await client.chat.completions.create(
        { model: 'policy', messages: [{ role: 'user', content: `hi ${i}` }] },
        { headers: { 'x-session-id': `p${i}`, 'x-session-done': 'true' } },
      );
    }
    await eventually(() => proxy.app.jobs.counts().pending + proxy.app.jobs.counts().running === 0, 20_000);
    const s = proxy.app.scheduler!;
    const overrides = OverrideFile.under(home);

    overrides.write({ mode: 'open', setAt: Date.now(), until: null });
    await s.tick();
    expect(s.snapshot().state).toBe('training');
    // Wait until a forward_backward is on the service, then close the window.
    await eventually(() => tinker.requests.some((r) => r.path.endsWith('forward_backward')), 10_000);
    overrides.write({ mode: 'closed', setAt: Date.now(), until: null });
    await s.tick();
    expect(s.snapshot().state).toBe('preempting');
    // Serving is not paused while the trainer winds down.
    const during = await client.chat.completions.create({
      model: 'policy',
      messages: [{ role: 'user', content: 'still here?' }],
    });
    expect(during.choices[0]!.message).toBeDefined();
    await eventually(() => s.snapshot().state === 'idle_wait', 30_000);

    const training = new Set(['forward_backward', 'optim_step', 'save_weights_for_sampler', 'save_weights']);
    const calls = tinker.requests.map((r) => r.path.split('/').pop()!).filter((p) => training.has(p));
    const lastFb = calls.lastIndexOf('forward_backward');
    // The step in flight completed (optim_step + new sampler) and a checkpoint followed.
    expect(calls.slice(lastFb)).toEqual([
      'forward_backward',
      'optim_step',
      'save_weights_for_sampler',
      'save_weights',
    ]);
    const rl = proxy.app.rl!;
    expect(rl.trainer.steps.latestCheckpoint()).toMatch(/^tinker:\/\/.+\/weights\/preempt/);
    expect(rl.trainer.policyVersion()).toBeGreaterThanOrEqual(1);
    // Not every sample was used: the rest stay queued for the next window.
    expect(await rl.trainer.hasWork()).toBe(true);
    const events = new SchedulerEventRepository(proxy.app.db)
      .list()
      .reverse()
      .map((e) => e.to);
    expect(events.slice(-4)).toEqual(['window_open', 'training', 'preempting', 'idle_wait']);
  }, 60_000);
});
