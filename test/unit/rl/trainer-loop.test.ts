import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { rlSection } from '../../../src/config/sections/rl.js';
import { SampleQueue } from '../../../src/learning/rl/samples.js';
import { opdAdvantages, RlTrainer } from '../../../src/learning/rl/trainer-loop.js';
import type { FwdBwdResult, SamplerRef, TrainerBackend } from '../../../src/learning/tinker/trainer.js';
import type { Datum } from '../../../src/learning/tinker/types.js';
import { openStore } from '../../../src/store/db.js';
import { RewardRepository } from '../../../src/store/rewards.js';
import { TurnRepository } from '../../../src/store/turns.js';

/** A TrainerBackend that records calls; each remote call takes `delayMs`. */
class RecordingBackend implements TrainerBackend {
  calls: string[] = [];
  batches: Datum[][] = [];
  constructor(private readonly delayMs = 0) {}
  private async wait() {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
  }
  async forwardBackward(data: Datum[]): Promise<FwdBwdResult> {
    this.calls.push('forward_backward');
    this.batches.push(data);
    await this.wait();
    return { loss: 2.5, metrics: { 'loss:sum': 2.5 }, outputs: [] };
  }
  async optimStep() {
    this.calls.push('optim_step');
    await this.wait();
  }
  async saveWeightsForSampler(name: string): Promise<SamplerRef> {
    this.calls.push('save_weights_for_sampler');
    await this.wait();
    return { name, path: `tinker://m/sampler_weights/${name}` };
  }
  async saveState(name: string) {
    this.calls.push('save_weights');
    return { name, path: `tinker://m/weights/${name}` };
  }
  async sample(): Promise<never> {
    throw new Error('not used');
  }
}

function setup(overrides: Record<string, unknown> = {}, delayMs = 0) {
  const db = openStore(':memory:');
  const turns = new TurnRepository(db);
  const rewards = new RewardRepository(db);
  const backend = new RecordingBackend(delayMs);
  const swaps: number[] = [];
  const config = rlSection.parse({
    enabled: true,
    base_model: 'tiny',
    min_batch: 2,
    batch_size: 8,
    checkpoint_every: 2,
    ...overrides,
  });
  const trainer = new RlTrainer({
    db,
    log: pino({ level: 'silent' }),
    config,
    backend: async () => backend,
    backendName: 'test',
    currentGeneration: () => 0,
    onSampler: (_ref, v) => swaps.push(v),
  });
  let n = 0;
  const addTurn = (
    reward: number | null,
    o: { prompt?: number[]; generation?: number; version?: number; policy?: boolean } = {},
  ) => {
    const id = `t${++n}`;
    turns.insert(
      {
        id,
        sessionId: `s${n}`,
        seq: 1,
        kind: 'main',
        protocol: 'openai-chat',
        upstreamProtocol: 'openai-chat',
        model: 'policy',
        stream: false,
        requestJson: '{}',
        upstreamRequestJson: null,
        responseJson: '{}',
        status: 'ok',
        httpStatus: 200,
        error: null,
        startedAt: n,
        latencyMs: 1,
        ttftMs: null,
        usageJson: null,
        libraryGeneration: o.generation ?? 0,
        injectedRevisionIds: [],
        policyVersion: o.version ?? 0,
      },
      { create: { source: 'header', client: null, at: n } },
    );
    if (o.policy !== false) {
      db.prepare(
        'UPDATE turns SET prompt_token_ids = ?, response_token_ids = ?, response_logprobs = ? WHERE id = ?',
      ).run(JSON.stringify(o.prompt ?? [1, 2, 3]), JSON.stringify([4, 5]), JSON.stringify([-0.5, -0.25]), id);
    }
    if (reward !== null) rewards.insert({ turnId: id, source: 'judge', score: reward });
    return id;
  };
  return { db, trainer, backend, swaps, addTurn };
}

describe('RlTrainer', () => {
  it('trains on judged policy turns only, in token-exact datums, and swaps the new sampler in', async () => {
    const t = setup();
    const good = t.addTurn(1);
    const bad = t.addTurn(-1);
    t.addTurn(null); // not judged yet
    t.addTurn(1, { policy: false }); // served by an HTTP upstream: no tokens
    t.addTurn(1, { generation: 1 }); // another generation: not in the query set
    expect(await t.trainer.hasWork()).toBe(true);
    const out = await t.trainer.step();
    expect(out).toMatchObject({ kind: 'trained', samples: 2, version: 1 });
    expect(t.backend.calls).toEqual(['forward_backward', 'optim_step', 'save_weights_for_sampler']);
    const [d1, d2] = t.backend.batches[0]!;
    // prompt [1,2,3] + response [4,5]: input = seq[:-1], targets = seq[1:], zeros on prompt positions.
    expect(d1!.model_input.chunks[0]).toMatchObject({ tokens: [1, 2, 3, 4] });
    expect(d1!.loss_fn_inputs.target_tokens!.data).toEqual([2, 3, 4, 5]);
    expect(d1!.loss_fn_inputs.logprobs!.data).toEqual([0, 0, -0.5, -0.25]);
    expect(d1!.loss_fn_inputs.advantages!.data[0]).toBe(0);
    expect(d1!.loss_fn_inputs.advantages!.data[3]).toBeCloseTo(1);
    expect(d2!.loss_fn_inputs.advantages!.data[3]).toBeCloseTo(-1);
    expect(t.swaps).toEqual([1]);
    expect(t.trainer.policyVersion()).toBe(1);
    // Used samples are never trained on twice.
    expect(t.trainer.queue.counts()).toMatchObject({ used: 2 });
    expect((await t.trainer.step()).kind).toBe('idle');
    void good;
    void bad;
  });

  it('reports a zero-variance batch instead of training on it', async () => {
    const t = setup();
    t.addTurn(1);
    t.addTurn(1);
    const out = await t.trainer.step();
    expect(out).toMatchObject({ kind: 'skipped', reason: expect.stringMatching(/zero reward variance/) });
    expect(t.backend.calls).toEqual([]);
    expect(t.trainer.steps.list()[0]!.status).toBe('skipped');
  });

  it('drops samples whose policy version lags too far, and counts them', async () => {
    const t = setup({ max_policy_lag: 0 });
    t.addTurn(1);
    t.addTurn(-1);
    await t.trainer.step(); // version 1
    t.addTurn(1, { version: 0 });
    t.addTurn(-1, { version: 0 });
    expect((await t.trainer.step()).kind).toBe('idle');
    expect(t.trainer.queue.counts()).toMatchObject({ stale: 2 });
  });

  it('checkpoints every checkpoint_every steps, and on preemption finishes the call in flight first', async () => {
    const t = setup({ checkpoint_every: 10 }, 30);
    for (let i = 0; i < 4; i++) t.addTurn(i % 2 ? 1 : -1, { prompt: [i, i + 1] });
    const stop = new AbortController();
    const run = t.trainer.runUntil(stop.signal);
    await new Promise((r) => setTimeout(r, 40)); // inside forward_backward / optim_step
    stop.abort();
    const result = await run;
    expect(result.stopped).toBe(true);
    expect(result.steps).toBe(1);
    expect(result.checkpoint).toMatch(/^tinker:\/\/m\/weights\/preempt/);
    expect(t.backend.calls).toEqual([
      'forward_backward',
      'optim_step',
      'save_weights_for_sampler',
      'save_weights',
    ]);
  });
});

describe('RlTrainer failures and the waiting count', () => {
  it('pending() is a COUNT that agrees with take() and writes nothing', async () => {
    const t = setup({ max_policy_lag: 1 });
    t.addTurn(1);
    t.addTurn(-1, { version: 0 });
    t.addTurn(null); // unjudged
    t.addTurn(1, { policy: false }); // no tokens
    t.addTurn(1, { generation: 1 }); // another generation
    t.addTurn(0.5, { version: 5 }); // ahead of the policy: still within lag (lag is negative)
    t.db.prepare("UPDATE turns SET consumed_by_evolution = 1 WHERE id = 't2'").run(); // consumed as support
    expect(t.trainer.queue.pending(0, 0, 1)).toBe(2); // t1 and t6
    // take() marks lagging samples stale, so compare from the lowest version up.
    for (const version of [0, 1, 2, 3]) {
      const before = t.trainer.queue.counts();
      const n = t.trainer.queue.pending(0, version, 1);
      expect(t.trainer.queue.counts()).toEqual(before); // no stale marks written by a count
      const taken = new SampleQueue(t.db).take(0, version, 1, 100).samples.length;
      expect(n).toBe(taken);
    }
  });

  it('records a failed step and a failed checkpoint on preemption instead of swallowing them', async () => {
    const t = setup({ checkpoint_every: 10 });
    for (let i = 0; i < 4; i++) t.addTurn(i % 2 ? 1 : -1, { prompt: [i, i + 1] });
    const fb = t.backend.forwardBackward.bind(t.backend);
    t.backend.forwardBackward = async () => {
      throw Object.assign(new Error('model gone'), { code: 'tinker_not_found' });
    };
    await expect(t.trainer.step()).rejects.toThrow(/model gone/);
    expect(t.trainer.failures.recent()[0]).toMatchObject({
      kind: 'step',
      code: 'tinker_not_found',
      recoveredAt: null,
    });
    t.backend.forwardBackward = fb;
    expect((await t.trainer.step()).kind).toBe('trained');
    expect(t.trainer.failures.recent()[0]!.recoveredAt).not.toBeNull(); // a later success clears it

    t.backend.saveState = async () => {
      throw new Error('disk quota exceeded on the service');
    };
    const stop = new AbortController();
    stop.abort();
    const out = await t.trainer.runUntil(stop.signal);
    expect(out.checkpoint).toBeNull();
    expect(t.trainer.failures.recent()[0]).toMatchObject({
      kind: 'checkpoint',
      message: 'disk quota exceeded on the service',
    });
    expect(t.trainer.failures.unrecovered()).toBe(1);
  });
});

describe('opdAdvantages', () => {
  it('folds a reverse-KL penalty into each token and names the turn on non-finite values', () => {
    const s = {
      turnId: 't9',
      promptTokens: [1],
      responseTokens: [2, 3],
      logprobs: [-1, -2],
      policyVersion: 0,
      reward: 1,
      groupKey: 'k',
    };
    expect(opdAdvantages(s, 1, [-0.5, -2], 0.5)).toEqual([1.25, 1]);
    expect(() => opdAdvantages(s, 1, [Number.NEGATIVE_INFINITY, -2], 0.5)).toThrow(/t9/);
  });
});
