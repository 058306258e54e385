import OpenAI from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TinkerConnection } from '../../src/learning/rl/connection.js';
import { TinkerClient } from '../../src/learning/tinker/client.js';
import { TinkerTrainer } from '../../src/learning/tinker/trainer.js';
import { openStore } from '../../src/store/db.js';
import { RlFailureRepository } from '../../src/store/training.js';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { POLICY_FIXTURE_DIR } from '../fixtures/policy/index.js';
import { type FakeTinker, startFakeTinker } from '../fixtures/tinker/index.js';
import { eventually, openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

/**
 * RL that recovers and tells, against the Tinker-protocol test server: a session the service
 * forgets (heartbeat 404) or a model it lost (404 on a training call) is reopened from the last
 * checkpoint and training goes on; each failure is in the status data until a success clears it.
 */
let tinker: FakeTinker;
let fake: FakeLlm;
let proxy: TestProxy;

beforeAll(async () => {
  tinker = await startFakeTinker({ vocab: 312, seed: 31 });
  fake = await startFakeLlm();
  let n = 0;
  fake.script(() => ({ text: n++ % 2 ? 'Good.\nScore: 1' : 'Bad.\nScore: -1' }));
  proxy = await startProxy({
    upstream: openaiUpstream(fake.url),
    serving: { mode: 'policy', policy: { tokenizer_dir: POLICY_FIXTURE_DIR, max_tokens: 4 } },
    rl: {
      enabled: true,
      backend_url: tinker.url,
      api_key: tinker.apiKey,
      base_model: tinker.baseModel,
      lora_rank: 4,
      batch_size: 4,
      min_batch: 4,
      max_policy_lag: 10,
      checkpoint_every: 1,
      schedule: 'manual',
    },
    judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge', votes: 1 },
    evolution: { enabled: false },
    skills: { enabled: false },
  });
});
afterAll(async () => {
  await proxy?.close();
  await fake?.close();
  await tinker?.close();
});

async function judgedTurns(n: number, tag: string): Promise<void> {
  const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
  for (let i = 0; i < n; i++) {
    await client.chat.completions.create(
      { model: 'policy', messages: [{ role: 'user', content: `${tag} ${i}` }] },
      { headers: { 'x-session-id': `${tag}${i}`, 'x-session-done': 'true' } },
    );
  }
  await eventually(() => proxy.app.jobs.counts().pending + proxy.app.jobs.counts().running === 0, 20_000);
}

async function adminTrain(): Promise<{
  tinker: { state: string; opens: number };
  unrecovered_failures: number;
  failures: { kind: string; code: string | null; message: string; recoveredAt: number | null }[];
}> {
  const res = await fetch(`${proxy.url}/v1/admin/train`);
  expect(res.status).toBe(200);
  return (await res.json()) as never;
}

const loads = () => tinker.requests.filter((r) => r.path === 'load_weights');

describe('RL recovery', () => {
  it('a session lost mid-run is reopened from the last checkpoint and training continues', async () => {
    const rl = proxy.app.rl!;
    await judgedTurns(4, 'a');
    expect(await rl.trainer.step()).toMatchObject({ kind: 'trained', version: 1 });
    const checkpoint = rl.trainer.steps.latestCheckpoint()!;
    expect(checkpoint).toMatch(/\/weights\//);
    await judgedTurns(4, 'b');

    // The service forgets the session (as after its expiry); the next heartbeat learns it.
    const lost = rl.connection.peek()!;
    tinker.engine.sessions.delete(lost.session.id);
    await lost.session.heartbeat();
    expect(lost.session.state).toBe('lost');
    let status = await adminTrain();
    expect(status.tinker.state).toBe('lost');
    expect(status.failures[0]).toMatchObject({ kind: 'heartbeat', code: 'tinker_session_lost' });
    expect(status.unrecovered_failures).toBe(1);

    const loadsBefore = loads().length;
    expect(await rl.trainer.step()).toMatchObject({ kind: 'trained', version: 2 });
    // A new session and model, loaded from the checkpoint with its optimizer state.
    expect(loads().length).toBe(loadsBefore + 1);
    expect(loads().at(-1)!.body).toMatchObject({ path: checkpoint, optimizer: true });
    expect(rl.connection.peek()!.session.id).not.toBe(lost.session.id);
    status = await adminTrain();
    expect(status.tinker).toMatchObject({ state: 'open', opens: 2 });
    expect(status.failures[0]!.recoveredAt).not.toBeNull();
    expect(status.unrecovered_failures).toBe(0);

    // Serving goes on with the new weights through the new session.
    await judgedTurns(1, 'c');
    expect(proxy.app.turns.listBySession('c0')[0]!.policyVersion).toBe(2);
  }, 60_000);

  it('a model the service lost fails one step (recorded), and the next step reopens and trains', async () => {
    const rl = proxy.app.rl!;
    await judgedTurns(4, 'd');
    const before = rl.connection.peek()!;
    tinker.engine.models.delete(before.model.id);
    await expect(rl.trainer.step()).rejects.toMatchObject({ code: 'tinker_not_found' });
    const status = await adminTrain();
    expect(status.failures[0]).toMatchObject({ kind: 'step', code: 'tinker_not_found', recoveredAt: null });
    // The samples of the failed step stay queued and train on the reopened model.
    expect(await rl.trainer.hasWork()).toBe(true);
    const out = await rl.trainer.step();
    expect(out).toMatchObject({ kind: 'trained', samples: 4 });
    expect(rl.connection.peek()!.model.id).not.toBe(before.model.id);
    expect((await adminTrain()).unrecovered_failures).toBe(0);
  }, 60_000);
});

describe('TinkerConnection', () => {
  it('backs off after a failed open, records it, and opens once the wait is over', async () => {
    const db = openStore(':memory:');
    const failures = new RlFailureRepository(db);
    let clock = 1_000_000;
    const conn = new TinkerConnection({
      failures,
      log: pino({ level: 'silent' }),
      backoff: { baseMs: 10_000, maxMs: 60_000 },
      now: () => clock,
      open: (hooks) =>
        TinkerTrainer.open(new TinkerClient({ baseUrl: tinker.url, apiKey: tinker.apiKey }), {
          baseModel: tinker.baseModel,
          loraRank: 2,
          ...hooks,
        }),
    });
    const sessions = () => tinker.requests.filter((r) => r.path === 'create_session').length;
    tinker.faults.http.push({ path: 'create_session', status: 400, times: 2, body: { detail: 'quota' } });
    const n0 = sessions();
    await expect(conn.get()).rejects.toMatchObject({ code: 'tinker_user_error' });
    expect(failures.recent()[0]).toMatchObject({ kind: 'open', recoveredAt: null });
    // Within the backoff: refused at once, the service is not asked.
    await expect(conn.get()).rejects.toThrow(/next attempt in 10 s/);
    expect(conn.status()).toMatchObject({ state: 'backing_off', next_attempt_at: clock + 10_000 });
    expect(sessions()).toBe(n0 + 1);
    clock += 10_000;
    await expect(conn.get()).rejects.toMatchObject({ code: 'tinker_user_error' });
    // The second failure doubles the wait.
    clock += 10_000;
    await expect(conn.get()).rejects.toThrow(/next attempt in 10 s/);
    clock += 10_000;
    const t = await conn.get();
    expect(t.unusable()).toBeNull();
    expect(sessions()).toBe(n0 + 3);
    expect(failures.unrecovered()).toBe(0);
    await conn.close();
    db.close();
  });
});
