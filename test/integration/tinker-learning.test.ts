// The trainer over the fake service end to end, and a learning test: rewarding sequences that
// contain a target token must make that token measurably more likely on fresh samples.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDatum } from '../../src/learning/rl/datum.js';
import {
  type Datum,
  DEFAULT_ADAM,
  type SamplerRef,
  TinkerClient,
  TinkerTrainer,
} from '../../src/learning/tinker/index.js';
import { type FakeTinker, startFakeTinker } from '../fixtures/tinker/index.js';

const PROMPT = [1, 2, 3];
const TARGET = 7;
const STOP = 0;
const PARAMS = { max_tokens: 6, temperature: 1, stop: [STOP] };

let fake: FakeTinker;
let client: TinkerClient;
beforeAll(async () => {
  fake = await startFakeTinker({ seed: 42, tryAgain: 1 });
  client = new TinkerClient({
    baseUrl: fake.url,
    apiKey: fake.apiKey,
    poll: { initialDelayMs: 1, maxDelayMs: 5 },
  });
});
afterAll(async () => {
  await fake.close();
});

/** Fraction of fresh samples that contain TARGET, from a sampler checkpoint. */
async function targetRate(trainer: TinkerTrainer, sampler: SamplerRef, n = 400): Promise<number> {
  const s = await trainer.session.createSamplingSession({ modelPath: sampler.path });
  const res = await s.sample(PROMPT, { ...PARAMS, seed: 999 }, { numSamples: n });
  return res.sequences.filter((q) => q.tokens.includes(TARGET)).length / n;
}

async function rolloutBatch(trainer: TinkerTrainer, sampler: SamplerRef, n: number): Promise<Datum[]> {
  const seqs = await Promise.all(Array.from({ length: n }, () => trainer.sample(PROMPT, PARAMS, sampler)));
  return seqs.map((q, i) =>
    buildDatum(PROMPT, q.tokens, q.logprobs, q.tokens.includes(TARGET) ? 1 : -1, { sample: `rollout ${i}` }),
  );
}

async function learn(loss: 'importance_sampling' | 'ppo', epochs: number) {
  const trainer = await TinkerTrainer.open(client, { baseModel: fake.baseModel, loraRank: 4, loraSeed: 7 });
  try {
    let sampler = await trainer.saveWeightsForSampler(`${loss}-0`);
    const rateBefore = await targetRate(trainer, sampler);
    const evalBatch = await rolloutBatch(trainer, sampler, 64);
    const evalLoss = async () =>
      (await trainer.model.forward(evalBatch, 'importance_sampling')).metrics['loss:sum']!;
    const lossBefore = await evalLoss();
    const stepLosses: number[] = [];
    for (let step = 1; step <= 12; step++) {
      const batch = await rolloutBatch(trainer, sampler, 32);
      for (let e = 0; e < epochs; e++) {
        const cfg = loss === 'ppo' ? { clip_low_threshold: 0.8, clip_high_threshold: 1.2 } : undefined;
        const fb = await trainer.forwardBackward(batch, loss, cfg);
        if (e === 0) stepLosses.push(fb.loss / batch.length);
        await trainer.optimStep({ ...DEFAULT_ADAM, learning_rate: 0.1, grad_clip_norm: 10 });
      }
      sampler = await trainer.saveWeightsForSampler(`${loss}-${step}`);
    }
    const rateAfter = await targetRate(trainer, sampler);
    const lossAfter = await evalLoss();
    return { rateBefore, rateAfter, lossBefore, lossAfter, stepLosses };
  } finally {
    trainer.close();
  }
}

describe('TinkerTrainer over the fake service', () => {
  it('saves state and resumes into a new model with weights and optimizer state', async () => {
    const a = await TinkerTrainer.open(client, { baseModel: fake.baseModel, loraRank: 3, loraSeed: 5 });
    const s0 = await a.saveWeightsForSampler('r0');
    const batch = await rolloutBatch(a, s0, 8);
    await a.forwardBackward(batch, 'importance_sampling');
    await a.optimStep({ ...DEFAULT_ADAM, learning_rate: 0.05 });
    const ckpt = await a.saveState('ckpt-1');
    expect(ckpt.path).toBe(`tinker://${a.model.id}/weights/ckpt-1`);
    const b = await TinkerTrainer.open(client, {
      baseModel: fake.baseModel,
      loraRank: 3,
      resumeFrom: ckpt.path,
    });
    expect(b.model.id).not.toBe(a.model.id);
    expect(fake.requests.find((r) => r.path === 'load_weights')!.body).toMatchObject({
      seq_id: 1,
      optimizer: true,
    });
    // The same update from the same state (weights + Adam moments) gives the same policy.
    const logprobs: number[][] = [];
    for (const t of [a, b]) {
      await t.forwardBackward(batch, 'importance_sampling');
      await t.optimStep({ ...DEFAULT_ADAM, learning_rate: 0.05 });
      const ref = await t.saveWeightsForSampler('r2');
      const s = await t.session.createSamplingSession({ modelPath: ref.path });
      const res = await s.sample(PROMPT, { ...PARAMS, seed: 3 }, { promptLogprobs: true });
      expect(res.prompt_logprobs![0]).toBeNull();
      logprobs.push(res.prompt_logprobs!.slice(1) as number[]);
    }
    expect(logprobs[1]).toEqual(logprobs[0]);
    // An unnamed sampler save hands back a sampling session bound to the weights.
    const unnamed = await b.model.saveWeightsForSampler();
    expect(unnamed).toEqual({ path: null, samplingSessionId: expect.stringMatching(/:sample:\d+$/) });
    expect(await client.getSampler(unnamed.samplingSessionId!)).toMatchObject({ base_model: fake.baseModel });
    a.close();
    b.close();
  });

  it("sampled logprobs line up with the trainer's through the datum layout (on-policy ratio = 1)", async () => {
    const t = await TinkerTrainer.open(client, { baseModel: fake.baseModel, loraRank: 4, loraSeed: 1 });
    const ref = await t.saveWeightsForSampler('aligned');
    const batch = await rolloutBatch(t, ref, 8);
    const out = await t.model.forward(batch, 'importance_sampling');
    batch.forEach((d, i) => {
      const sampled = d.loss_fn_inputs.logprobs!.data;
      const trained = out.loss_fn_outputs[i]!.logprobs!.data;
      for (let p = PROMPT.length - 1; p < sampled.length; p++) expect(trained[p]).toBeCloseTo(sampled[p]!, 9);
    });
    t.close();
  });

  it('learns: rewarding a target token raises its rate and lowers the loss (importance_sampling, ppo)', async () => {
    const is = await learn('importance_sampling', 1);
    const ppo = await learn('ppo', 2);
    const fmt = (r: Awaited<ReturnType<typeof learn>>) =>
      `rate ${r.rateBefore.toFixed(3)} -> ${r.rateAfter.toFixed(3)}, eval IS loss ${r.lossBefore.toFixed(2)} -> ` +
      `${r.lossAfter.toFixed(2)}, per-sample train loss ${r.stepLosses[0]!.toFixed(3)} -> ${r.stepLosses.at(-1)!.toFixed(3)}`;
    console.log(`importance_sampling: ${fmt(is)}\nppo: ${fmt(ppo)}`);
    for (const r of [is, ppo]) {
      expect(r.rateAfter).toBeGreaterThan(r.rateBefore + 0.3);
      expect(r.rateAfter).toBeGreaterThan(0.7);
      expect(r.lossAfter).toBeLessThan(r.lossBefore);
      expect(r.stepLosses.at(-1)!).toBeLessThan(r.stepLosses[0]!);
    }
  });
});
