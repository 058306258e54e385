import { beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.js';
import { stopTokenIds } from '../../../src/learning/policy/build-backend.js';
import type { PolicySampler } from '../../../src/learning/policy/sampler.js';
import type { PolicyTokenizer } from '../../../src/learning/policy/tokenizer.js';
import { PolicyBackend } from '../../../src/upstream/policy-backend.js';
import { type UpstreamCall, UpstreamError } from '../../../src/upstream/types.js';
import { loadFixtureTokenizer, ScriptedSampler } from '../../fixtures/policy/index.js';

let tok: PolicyTokenizer;
beforeAll(async () => {
  tok = await loadFixtureTokenizer();
});

function backend(sampler: PolicySampler) {
  return new PolicyBackend({ tokenizer: tok, sampler, maxTokens: 32, temperature: 1, stop: [305] });
}
function call(body: Record<string, unknown>, signal = new AbortController().signal): UpstreamCall {
  return { body, payload: JSON.stringify(body), stream: body.stream === true, forwardHeaders: {}, signal };
}
async function text(body: AsyncIterable<Uint8Array>): Promise<string> {
  let s = '';
  for await (const c of body) s += Buffer.from(c).toString('utf8');
  return s;
}
const hi = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

describe('PolicyBackend', () => {
  it('streams without a usage chunk unless include_usage is asked for', async () => {
    const res = await backend(new ScriptedSampler(tok, 3)).send(call({ ...hi, stream: true }));
    const sse = await text(res.body);
    const events = sse.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)));
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && !('usage' in c))).toBe(true);
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('Hello from the policy.');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
    expect(res.policy?.version).toBe(3);
  });

  it('a reply cut at max tokens says length, and the stop token is not shown', async () => {
    const res = await backend(new ScriptedSampler(tok, 1)).send(call({ ...hi, max_tokens: 4 }));
    const body = JSON.parse(await text(res.body));
    expect(body.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'Hell' } }); // one byte per token here
    expect(res.policy?.responseTokenIds).toHaveLength(4);
  });

  it('a failing or inconsistent sampler is a 502-class UpstreamError naming it; an abort is "aborted"', async () => {
    const failing: PolicySampler = {
      version: 7,
      name: 'tinker://run/7',
      sample: async () => {
        throw new Error('session expired');
      },
    };
    const e1 = await backend(failing)
      .send(call(hi))
      .catch((e) => e);
    expect(e1).toBeInstanceOf(UpstreamError);
    expect(e1.message).toBe('policy sampler tinker://run/7 (version 7) failed to sample: session expired');
    expect(e1.httpStatus).toBe(502);

    const skewed: PolicySampler = {
      version: 1,
      name: 's',
      sample: async () => ({ tokens: [1, 2], logprobs: [-1], stopReason: 'stop' }),
    };
    expect(
      (
        await backend(skewed)
          .send(call(hi))
          .catch((e) => e)
      ).message,
    ).toMatch(/2 tokens but 1 logprobs/);
    const nan: PolicySampler = {
      version: 1,
      name: 's',
      sample: async () => ({ tokens: [1], logprobs: [Number.NaN], stopReason: 'stop' }),
    };
    expect(
      (
        await backend(nan)
          .send(call(hi))
          .catch((e) => e)
      ).message,
    ).toMatch(/non-finite logprob/);

    const slow = new ScriptedSampler(tok, 1);
    slow.delayMs = 1000;
    const ac = new AbortController();
    const pending = backend(slow)
      .send(call(hi, ac.signal))
      .catch((e) => e);
    ac.abort();
    expect((await pending).failure).toBe('aborted');
  });

  it('stop tokens: configured names must be single tokens; the default is eos plus <|im_end|>', () => {
    expect(stopTokenIds(tok, [])).toEqual([305]);
    expect(stopTokenIds(tok, ['<|endoftext|>', '<|im_end|>'])).toEqual([303, 305]);
    expect(() => stopTokenIds(tok, ['</s>'])).toThrow(
      /serving\.policy\.stop\.0: "<\/s>" is not a single token/,
    );
  });

  it('serving.mode policy needs a tokenizer folder or a model id', () => {
    expect(validateConfig({}).serving.mode).toBe('upstream');
    expect(() => validateConfig({ serving: { mode: 'policy' } })).toThrow(/serving\.policy\.tokenizer_dir/);
    expect(
      validateConfig({ serving: { mode: 'policy', policy: { model_id: 'Qwen/Qwen3-8B' } } }).serving.policy,
    ).toMatchObject({
      hub_url: 'https://huggingface.co',
      cache_dir: 'models',
      temperature: 1,
    });
    expect(() => validateConfig({ serving: { policy: { model_id: '../etc' } } })).toThrow(
      /serving\.policy\.model_id/,
    );
  });
});
