import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminEventMap, Schedule, Training } from '../../src/admin-api/contract.js';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { POLICY_FIXTURE_DIR } from '../fixtures/policy/index.js';
import { type FakeTinker, startFakeTinker } from '../fixtures/tinker/index.js';
import { eventually, openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

/**
 * `/v1/admin/training` and `/v1/admin/schedule` on the real service: a trainable policy on the
 * local Tinker-protocol server, a judge on the fake LLM, steps run like `metaclaw train step`.
 */
let tinker: FakeTinker;
let fake: FakeLlm;
const proxies: TestProxy[] = [];
/** `alternate`: rewards +1/−1 in turn (a learning signal); `same`: every turn +1 (none). */
let judgeMode: 'alternate' | 'same' = 'alternate';
let judged = 0;

beforeAll(async () => {
  tinker = await startFakeTinker({ vocab: 312, seed: 11 });
  fake = await startFakeLlm();
  fake.script(() => {
    const score = judgeMode === 'same' || judged++ % 2 === 0 ? 1 : -1;
    return { text: `Verdict.\nScore: ${score}` };
  });
});
afterAll(async () => {
  for (const p of proxies) await p.close();
  await fake?.close();
  await tinker?.close();
});

async function start(raw: Record<string, unknown>): Promise<TestProxy> {
  const p = await startProxy({ upstream: openaiUpstream(fake.url), ...raw });
  proxies.push(p);
  return p;
}

async function get<T>(p: TestProxy, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(p.url + path);
  return { status: res.status, body: (await res.json()) as T };
}

/** A service serving the trainable policy with RL steps run by hand; `serve(n)` waits for judging. */
async function rlService(rl: Record<string, unknown> = {}) {
  const p = await start({
    serving: { mode: 'policy', policy: { tokenizer_dir: POLICY_FIXTURE_DIR, max_tokens: 6, temperature: 1 } },
    rl: {
      enabled: true,
      backend_url: tinker.url,
      api_key: tinker.apiKey,
      base_model: tinker.baseModel,
      lora_rank: 8,
      batch_size: 64,
      min_batch: 4,
      checkpoint_every: 1,
      schedule: 'manual',
      ...rl,
    },
    judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge', votes: 1 },
    evolution: { enabled: false },
    skills: { enabled: false },
  });
  const client = new OpenAI({ baseURL: `${p.url}/v1`, apiKey: 'k', maxRetries: 0 });
  let n = 0;
  const serve = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await client.chat.completions.create(
        { model: 'policy', messages: [{ role: 'user', content: 'Say something.' }] },
        { headers: { 'x-session-id': `t${n++}`, 'x-session-done': 'true' } },
      );
    }
    await eventually(() => {
      const c = p.app.jobs.counts();
      return c.pending === 0 && c.running === 0;
    }, 20_000);
  };
  return { p, serve };
}

describe('GET /v1/admin/training', () => {
  it('answers enabled false with empty lists when RL is off, and so does the schedule', async () => {
    const p = await start({ scheduler: { enabled: false } });
    const t = await get<Training>(p, '/v1/admin/training');
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({ enabled: false, policy_versions: [], steps: [], errors: [] });
    const s = await get<Schedule>(p, '/v1/admin/schedule');
    expect(s.body).toMatchObject({
      enabled: false,
      state: null,
      timeline: [],
      signals: [],
      next_window: null,
    });
    expect((await get(p, '/v1/admin/training?limit=0')).status).toBe(400);
  });

  it('shows steps with loss, reward and advantage stats, versions, checkpoints, skipped steps and failures', async () => {
    const { p, serve } = await rlService();
    const events: AdminEventMap['training_step'][] = [];
    p.app.adminEvents.subscribe((name, data) => {
      if (name === 'training_step') events.push(data as AdminEventMap['training_step']);
    });
    const trainer = p.app.rl!.trainer;

    judgeMode = 'alternate';
    await serve(6);
    expect((await trainer.step()).kind).toBe('trained');
    judgeMode = 'same';
    await serve(4);
    expect((await trainer.step()).kind).toBe('skipped');
    judgeMode = 'alternate';
    await serve(4);
    tinker.failNext({ category: 'user', error: 'bad batch for the test' });
    await expect(trainer.step()).rejects.toThrow();

    const { status, body } = await get<Training>(p, '/v1/admin/training');
    expect(status).toBe(200);
    expect(body.enabled).toBe(true);
    expect(body.policy_version).toBe(1);
    expect(body.steps).toHaveLength(2);
    const [trained, skipped] = body.steps;
    expect(trained).toMatchObject({ status: 'ok', samples_used: 6, stale: 0, skipped: 0, policy_version: 1 });
    expect(Number.isFinite(trained!.loss)).toBe(true);
    // Three rewards of +1 and three of −1.
    expect(trained!.reward_mean).toBeCloseTo(0, 6);
    expect(trained!.adv_mean).toBeCloseTo(0, 6);
    expect(trained!.adv_std).toBeGreaterThan(0);
    expect(trained!.checkpoint).toEqual(expect.any(String));
    expect(skipped).toMatchObject({
      status: 'skipped',
      samples_used: 0,
      skipped: 4,
      loss: null,
      adv_mean: null,
    });
    expect(skipped!.reward_mean).toBe(1);
    expect(body.policy_versions).toEqual([
      { version: 1, created_at: trained!.t, checkpoint: expect.any(String) },
    ]);
    expect(body.errors[0]).toMatchObject({ kind: 'step', recovered_at: null });
    expect(body.errors[0]!.message).toContain('bad batch for the test');
    expect(body.samples).toMatchObject({ used: 10 });
    // Each recorded step was published live, in the same shape.
    expect(events.map((e) => e.status)).toEqual(['ok', 'skipped']);
    expect(events[0]).toMatchObject({ step: trained!.step, policy_version: 1, samples_used: 6 });
    // The newest N only.
    const last = await get<Training>(p, '/v1/admin/training?limit=1');
    expect(last.body.steps.map((s) => s.status)).toEqual(['skipped']);
  }, 90_000);
  it('counts samples dropped for lagging the policy as stale on the step that dropped them', async () => {
    judgeMode = 'alternate';
    const { p, serve } = await rlService({ batch_size: 4, max_policy_lag: 0 });
    const trainer = p.app.rl!.trainer;
    // Eight samples of version 0; a step takes four and makes version 1, so the other four lag.
    await serve(8);
    expect((await trainer.step()).kind).toBe('trained');
    await serve(4);
    expect((await trainer.step()).kind).toBe('trained');
    const { body } = await get<Training>(p, '/v1/admin/training');
    expect(body.steps.map((s) => [s.samples_used, s.stale])).toEqual([
      [4, 0],
      [4, 4],
    ]);
    expect(body.samples).toMatchObject({ used: 8, stale: 4 });
  }, 90_000);
});

describe('GET /v1/admin/schedule', () => {
  it('shows the state, its timeline, every signal reading and the predicted window', async () => {
    const h = new Date().getUTCHours();
    const hh = (x: number) => `${String((x + 24) % 24).padStart(2, '0')}:00`;
    const p = await start({
      scheduler: {
        enabled: true,
        timezone: 'UTC',
        sleep_enabled: true,
        sleep_start: hh(h - 1),
        sleep_end: hh(h + 3),
        idle_enabled: false,
        proxy_idle_minutes: 0,
        tick_seconds: 3600,
      },
    });
    await p.app.scheduler!.tick();
    const { status, body } = await get<Schedule>(p, '/v1/admin/schedule');
    expect(status).toBe(200);
    expect(body.enabled).toBe(true);
    expect(body.state).toBe('window_open');
    expect(body.timeline.at(-1)).toMatchObject({ state: 'window_open' });
    expect(body.timeline.at(-1)!.reason).toContain('sleep');
    expect(body.since).toBe(body.timeline.at(-1)!.t);
    const sleep = body.signals.find((s) => s.name === 'sleep');
    expect(sleep).toMatchObject({ ok: true, open: true, veto: false, role: 'schedule' });
    expect(typeof sleep!.reading).toBe('string');
    expect(body.signals.map((s) => s.name)).toContain('proxy-activity');
    // Open now, until the end of the sleep hours.
    expect(body.next_window).not.toBeNull();
    expect(body.next_window!.end).toBe(sleep!.until);
    expect(body.decision).toMatchObject({ open: true });
    expect(body.trainer).toBe(false);
  });
});
