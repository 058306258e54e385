// The Tinker client against the faithful local fake: sessions and heartbeats, futures, typed
// errors, seq_id ordering and dedup, retries that repeat a seq_id, 410 resubmission, cancellation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDatum } from '../../src/learning/rl/datum.js';
import {
  forwardBackwardOutputSchema,
  TinkerClient,
  type TinkerClientOptions,
  TinkerError,
  type TrainingModel,
} from '../../src/learning/tinker/index.js';
import { type FakeTinker, startFakeTinker } from '../fixtures/tinker/index.js';

let fake: FakeTinker;
const fast: Partial<TinkerClientOptions> = {
  retry: { retries: 3, baseDelayMs: 2, maxDelayMs: 10 },
  poll: { initialDelayMs: 1, maxDelayMs: 5 },
};
const client = (o: Partial<TinkerClientOptions> = {}) =>
  new TinkerClient({ baseUrl: fake.url, apiKey: fake.apiKey, ...fast, ...o });
const datum = () => buildDatum([1, 2, 3], [4, 5], [-1.2, -2.3], 1);
const posts = (path: string) => fake.requests.filter((r) => r.path === path);

async function newModel(c = client()): Promise<TrainingModel> {
  const s = await c.createSession({ tags: ['test'] });
  return s.createModel({ baseModel: fake.baseModel, lora: { rank: 4, seed: 1 } });
}

async function rejects(p: Promise<unknown>): Promise<TinkerError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TinkerError);
  return err as TinkerError;
}

beforeEach(async () => {
  fake = await startFakeTinker();
});
afterEach(async () => {
  await fake.close();
});

describe('Tinker client: sessions', () => {
  it('creates a session, heartbeats until closed, and names ids as the service does', async () => {
    const c = client({ heartbeatMs: 20 });
    expect(await c.healthz()).toEqual({ status: 'ok' });
    expect((await c.getServerCapabilities()).supported_models[0]!.model_name).toBe(fake.baseModel);
    const s = await c.createSession({ tags: ['metaclaw', 'test'], userMetadata: { host: 'x' } });
    expect(posts('create_session')[0]!.body).toEqual({
      tags: ['metaclaw', 'test'],
      user_metadata: { host: 'x' },
      sdk_version: '0.17.0',
      type: 'create_session',
    });
    const m0 = await s.createModel({ baseModel: fake.baseModel, lora: { rank: 4 } });
    const m1 = await s.createModel({ baseModel: fake.baseModel, lora: { rank: 2 } });
    expect([m0.id, m1.id]).toEqual([`${s.id}:train:0`, `${s.id}:train:1`]);
    expect(posts('create_model').map((r) => (r.body as { model_seq_id: number }).model_seq_id)).toEqual([
      0, 1,
    ]);
    expect(await m1.getInfo()).toMatchObject({
      model_id: m1.id,
      lora_rank: 2,
      model_data: { model_name: fake.baseModel },
    });
    await expect
      .poll(() => fake.engine.sessions.get(s.id)!.heartbeats, { timeout: 2000 })
      .toBeGreaterThanOrEqual(2);
    expect(posts('session_heartbeat')[0]!.body).toEqual({ session_id: s.id, type: 'session_heartbeat' });
    s.close();
    // A heartbeat already on the wire when close() ran may still land; after that, none.
    await new Promise((r) => setTimeout(r, 50));
    const seen = fake.engine.sessions.get(s.id)!.heartbeats;
    await new Promise((r) => setTimeout(r, 80));
    expect(fake.engine.sessions.get(s.id)!.heartbeats).toBe(seen);
  });

  it('turns a heartbeat 404 into a lost session that refuses further calls', async () => {
    const lost: TinkerError[] = [];
    const s = await client({ heartbeatMs: 10 }).createSession({ tags: [], onLost: (e) => lost.push(e) });
    fake.engine.dropSession(s.id);
    await expect.poll(() => s.state, { timeout: 2000 }).toBe('lost');
    expect(lost[0]!.code).toBe('tinker_session_lost');
    expect(s.error!.message).toMatch(/no longer knows session/);
    expect((await rejects(s.createModel({ baseModel: fake.baseModel, lora: { rank: 1 } }))).code).toBe(
      'tinker_session_lost',
    );
  });
});

describe('Tinker client: auth and errors', () => {
  it('explains a missing key before any request, and a refused one', async () => {
    expect(() => new TinkerClient({ baseUrl: fake.url, apiKey: '' })).toThrow(
      /No Tinker API key: set rl.api_key/,
    );
    const err = await rejects(client({ apiKey: 'tml-wrong' }).createSession({ tags: [] }));
    expect(err.code).toBe('tinker_auth');
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/refused the API key \(HTTP 401: Invalid API key\); check rl.api_key/);
    expect(fake.requests.at(-1)!.apiKey).toBe('tml-wrong');
  });

  it('types future failures, validation errors and unknown ids', async () => {
    const m = await newModel();
    const bad = datum();
    bad.loss_fn_inputs.advantages!.data.pop();
    const user = await rejects(m.forwardBackward([bad], 'importance_sampling'));
    expect(user).toMatchObject({ code: 'tinker_user_error', details: { category: 'user' } });
    expect(user.message).toMatch(/advantages has 3 values, model_input has 4 tokens/);

    fake.failNext({ category: 'server', error: 'GPU fell over' });
    const server = await rejects(m.forwardBackward([datum()], 'importance_sampling'));
    expect(server.code).toBe('tinker_server_error');
    expect(server.message).toMatch(/server error\): GPU fell over/);

    const invalid = await rejects(
      m.forwardBackward([datum()], 'importance_sampling', { clip_low_threshold: 0.9 }),
    );
    expect(invalid).toMatchObject({ code: 'tinker_user_error', status: 422 });
    expect(invalid.message).toMatch(/Invalid loss_fn_config keys/);

    const c = client();
    const s = await c.createSession({ tags: [] });
    const notLoaded = await rejects(
      s.createSamplingSession({ modelPath: `tinker://${m.id}/sampler_weights/none` }),
    );
    expect(notLoaded.code).toBe('tinker_not_found');
    const unknown = await rejects(c.await('forward_backward', '999999', '{}', {} as never));
    expect(unknown.code).toBe('tinker_not_found');

    // load_weights is only allowed as a model's first call.
    const path = await m.saveWeights('w1');
    const late = await rejects(m.loadWeights(path, { optimizer: true }));
    expect(late.code).toBe('tinker_user_error');
    expect(late.message).toMatch(/LoadWeights is not permitted with seq_id/);
  });

  it('gives up on a dead service with tinker_unavailable', async () => {
    const url = fake.url;
    await fake.close();
    const err = await rejects(new TinkerClient({ baseUrl: url, apiKey: 'k', ...fast }).healthz());
    expect(err.code).toBe('tinker_unavailable');
    fake = await startFakeTinker();
  });
});

describe('Tinker client: futures and seq_ids', () => {
  it('polls through try_again answered with 200 and 408', async () => {
    fake.faults.tryAgain = 3;
    fake.faults.tryAgainStatus = 'alternate';
    const m = await newModel();
    const before = posts('retrieve_future').length;
    const out = await m.forwardBackward([datum()], 'cross_entropy');
    expect(out.loss_fn_outputs[0]!.logprobs!.data).toHaveLength(4);
    expect(out.metrics['loss:sum']).toBeGreaterThan(0);
    const polls = posts('retrieve_future').slice(before);
    expect(polls).toHaveLength(4);
    expect(new Set(polls.map((p) => p.status))).toEqual(new Set([200, 408]));
  });

  it('numbers training calls from 1 in call order, even when issued concurrently', async () => {
    const m = await newModel();
    const [fb, , path] = await Promise.all([
      m.forwardBackward([datum()], 'importance_sampling'),
      m.optimStep({ learning_rate: 0.01 }),
      m.saveWeightsForSampler('s1'),
      m.getInfo(), // takes no seq_id
    ]);
    expect(fb.loss_fn_output_type).toBe('ImportanceSamplingLossReturn');
    expect(path.path).toBe(`tinker://${m.id}/sampler_weights/s1`);
    const seqs = fake.requests
      .filter((r) => ['forward_backward', 'optim_step', 'save_weights_for_sampler'].includes(r.path))
      .map((r) => [r.path, (r.body as { seq_id: number }).seq_id]);
    expect(seqs).toEqual([
      ['forward_backward', 1],
      ['optim_step', 2],
      ['save_weights_for_sampler', 3],
    ]);
    expect(posts('optim_step')[0]!.body).toMatchObject({
      adam_params: {
        learning_rate: 0.01,
        beta1: 0.9,
        beta2: 0.95,
        eps: 1e-12,
        weight_decay: 0,
        grad_clip_norm: 0,
      },
    });
    expect(fake.engine.models.get(m.id)!.queue.ran).toEqual([1, 2, 3]);
    expect(m.lastSeqId).toBe(3);
  });

  it('the service runs in seq_id order, waits for a gap, dedups retries and refuses reuse', async () => {
    const m = await newModel();
    const c = client();
    const submit = async (body: object) => {
      const res = await fetch(`${fake.url}/api/v1/forward_backward`, {
        method: 'POST',
        headers: { 'X-API-Key': fake.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { request_id: string; detail?: string } };
    };
    const fb = (seq: number, lossFn = 'cross_entropy') => ({
      model_id: m.id,
      forward_backward_input: { data: [datum()], loss_fn: lossFn },
      seq_id: seq,
    });
    const second = await submit(fb(2));
    const poll = await fetch(`${fake.url}/api/v1/retrieve_future`, {
      method: 'POST',
      headers: { 'X-API-Key': fake.apiKey },
      body: JSON.stringify({ request_id: second.body.request_id }),
    });
    expect(await poll.json()).toMatchObject({ type: 'try_again', queue_state: 'active' });
    expect(fake.engine.models.get(m.id)!.queue.ran).toEqual([]);
    const first = await submit(fb(1));
    expect(fake.engine.models.get(m.id)!.queue.ran).toEqual([1, 2]);
    expect((await submit(fb(1))).body.request_id).toBe(first.body.request_id);
    const reuse = await submit(fb(1, 'importance_sampling'));
    expect(reuse).toEqual({ status: 409, body: { detail: 'Training request sequence number was reused' } });
    const result = await c.await('forward_backward', second.body.request_id, '', forwardBackwardOutputSchema);
    expect(result.loss_fn_outputs).toHaveLength(1);
  });

  it('retries a lost answer with the same seq_id and body, and the service runs it once', async () => {
    const m = await newModel();
    fake.faults.http.push({ path: 'forward_backward', status: 500, times: 1, afterHandling: true });
    fake.faults.http.push({ path: 'retrieve_future', status: 503, times: 2 });
    await m.forwardBackward([datum()], 'importance_sampling');
    const submits = posts('forward_backward');
    expect(submits.map((r) => r.status)).toEqual([500, 200]);
    expect(submits[0]!.body).toEqual(submits[1]!.body);
    expect((submits[0]!.body as { seq_id: number }).seq_id).toBe(1);
    expect(fake.engine.models.get(m.id)!.queue.ran).toEqual([1]);
    // 429 honours Retry-After (in seconds); x-should-retry: false is not retried.
    fake.faults.http.push({ path: 'get_info', status: 429, times: 1, headers: { 'retry-after': '0.01' } });
    await m.getInfo();
    fake.faults.http.push({
      path: 'get_info',
      status: 503,
      times: 1,
      headers: { 'x-should-retry': 'false' },
    });
    expect((await rejects(m.getInfo())).code).toBe('tinker_server_error');
    // 409 is not transient (a reused seq_id stays reused): no retry, its own code.
    const before = posts('get_info').length;
    fake.faults.http.push({ path: 'get_info', status: 409, times: 1, body: { detail: 'conflict' } });
    expect((await rejects(m.getInfo())).code).toBe('tinker_conflict');
    expect(posts('get_info').length).toBe(before + 1);
  });

  it('resubmits once when the result expired (410), keeping the seq_id', async () => {
    const m = await newModel();
    fake.expireNext(1);
    const out = await m.forwardBackward([datum()], 'cross_entropy');
    expect(out.loss_fn_outputs).toHaveLength(1);
    const submits = posts('forward_backward');
    expect(submits).toHaveLength(2);
    expect(submits[0]!.body).toEqual(submits[1]!.body);
    expect(posts('retrieve_future').some((r) => r.status === 410)).toBe(true);
    expect(fake.engine.models.get(m.id)!.queue.ran).toEqual([1]);
  });

  it('cancels a poll at once; the submitted call keeps its number', async () => {
    const m = await newModel();
    fake.faults.tryAgain = 1_000_000;
    const ac = new AbortController();
    const pending = m.forwardBackward([datum()], 'cross_entropy', undefined, ac.signal);
    await expect.poll(() => posts('retrieve_future').length).toBeGreaterThan(2);
    ac.abort(new Error('user stopped training'));
    // The future answers try_again for ever, so only the abort can end this wait.
    const err = await rejects(pending);
    expect(err.code).toBe('tinker_aborted');
    fake.faults.tryAgain = 0;
    await m.optimStep();
    expect(fake.engine.models.get(m.id)!.queue.ran).toEqual([1, 2]);
    // Aborted before its turn: never sent, so no number is burnt.
    const early = new AbortController();
    early.abort();
    expect((await rejects(m.optimStep({}, early.signal))).code).toBe('tinker_aborted');
    await m.saveWeights('after-abort');
    expect(fake.engine.models.get(m.id)!.queue.ran).toEqual([1, 2, 3]);
  });

  it('a submit that timed out is retried into the same request; one that never answers breaks the model', async () => {
    const m = await newModel(client({ requestTimeoutMs: 60 }));
    fake.faults.http.push({ path: 'forward_backward', delayMs: 150, times: 1 });
    await m.forwardBackward([datum()], 'cross_entropy');
    expect(posts('forward_backward').map((r) => (r.body as { seq_id: number }).seq_id)).toEqual([1, 1]);
    expect(fake.engine.models.get(m.id)!.queue.ran).toEqual([1]);

    fake.faults.http.push({ path: 'optim_step', delayMs: 150, times: 10 });
    expect((await rejects(m.optimStep())).code).toBe('tinker_timeout');
    const broken = await rejects(m.saveWeights('x'));
    expect(broken.code).toBe('tinker_unavailable');
    expect(broken.message).toMatch(/optim_step \(seq_id 2\) may or may not have reached Tinker/);
  });

  it('times out a future that never completes, and unloads a model', async () => {
    const m = await newModel(client({ poll: { initialDelayMs: 1, maxDelayMs: 5, timeoutMs: 60 } }));
    fake.faults.tryAgain = 1_000_000;
    const err = await rejects(m.forwardBackward([datum()], 'cross_entropy'));
    expect(err.code).toBe('tinker_timeout');
    expect(err.message).toMatch(/forward_backward: no result within 60 ms/);
    fake.faults.tryAgain = 0;
    await m.unload();
    expect(posts('unload_model')[0]!.body).toEqual({ model_id: m.id, type: 'unload_model' });
    expect((await rejects(m.getInfo())).code).toBe('tinker_not_found');
  });

  it('samples honour max_tokens, stop tokens and temperature, from an immutable sampler snapshot', async () => {
    const m = await newModel();
    const saved = await m.saveWeightsForSampler('snap');
    const sampler = await m.session.createSamplingSession({ modelPath: saved.path! });
    const prompt = [1, 2, 3];
    const long = await sampler.sample(prompt, { max_tokens: 5 }, { numSamples: 20, promptLogprobs: true });
    for (const q of long.sequences) {
      expect(q.tokens.length).toBe(5);
      expect(q.stop_reason).toBe('length');
      expect(q.logprobs).toHaveLength(5);
      expect(q.logprobs!.every((l) => l <= 0)).toBe(true);
    }
    const stop = long.sequences[0]!.tokens[1]!;
    const stopped = await sampler.sample(
      prompt,
      { max_tokens: 50, stop: [stop], seed: 4 },
      { numSamples: 20 },
    );
    for (const q of stopped.sequences) {
      if (q.stop_reason === 'stop') expect(q.tokens.at(-1)).toBe(stop);
      else expect(q.tokens).toHaveLength(50);
      expect(q.tokens.slice(0, -1)).not.toContain(stop);
    }
    expect(stopped.sequences.some((q) => q.stop_reason === 'stop')).toBe(true);
    const greedy = await sampler.sample(prompt, { max_tokens: 8, temperature: 0 }, { numSamples: 5 });
    expect(new Set(greedy.sequences.map((q) => q.tokens.join(','))).size).toBe(1);
    const distinct = (r: typeof long) => new Set(r.sequences.map((q) => q.tokens[0])).size;
    const hot = await sampler.sample(prompt, { max_tokens: 1, temperature: 5, seed: 1 }, { numSamples: 200 });
    const cold = await sampler.sample(
      prompt,
      { max_tokens: 1, temperature: 0.2, seed: 1 },
      { numSamples: 200 },
    );
    expect(distinct(hot)).toBeGreaterThan(distinct(cold) + 5);
    const seqIds = posts('asample').map((r) => (r.body as { seq_id: number }).seq_id);
    expect(seqIds).toEqual([0, 1, 2, 3, 4]);
    // Training after the save does not change what the snapshot samples.
    await m.forwardBackward([buildDatum(prompt, [9, 9], [-1, -1], 1)], 'cross_entropy');
    await m.optimStep({ learning_rate: 0.5 });
    const again = await sampler.sample(prompt, { max_tokens: 1 }, { promptLogprobs: true });
    expect(again.prompt_logprobs).toEqual(long.prompt_logprobs);
    expect(long.prompt_logprobs![0]).toBeNull();
  });
});
