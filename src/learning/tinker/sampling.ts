// A sampling session (SamplingClient in the SDK). Each `sample` takes the next sampling seq_id
// (from 0); the pair (sampling_session_id, seq_id) is the request's key, so a retried submit
// cannot sample twice.
import type { TinkerSession } from './client.js';
import { TinkerError } from './errors.js';
import { type SampleResponse, type SamplingParams, sampleResponseSchema } from './types.js';

export interface SampleOptions {
  numSamples?: number;
  /** Also return the logprob of every prompt token (entry 0 is null). */
  promptLogprobs?: boolean;
  signal?: AbortSignal;
}

export class SamplingClient {
  private seq = 0;

  constructor(
    readonly session: TinkerSession,
    readonly id: string,
  ) {}

  async sample(
    promptTokens: readonly number[],
    params: SamplingParams,
    o: SampleOptions = {},
  ): Promise<SampleResponse> {
    this.session.assertUsable();
    if (promptTokens.length === 0) throw new TinkerError('tinker_user_error', 'sample: the prompt is empty');
    const bodyText = JSON.stringify({
      sampling_session_id: this.id,
      seq_id: this.seq++,
      num_samples: o.numSamples ?? 1,
      prompt: { chunks: [{ type: 'encoded_text', tokens: promptTokens }] },
      // The SDK keeps defaults and drops unset optionals; we do the same.
      sampling_params: {
        max_tokens: params.max_tokens,
        seed: params.seed,
        stop: params.stop,
        temperature: params.temperature ?? 1,
        top_k: params.top_k ?? -1,
        top_p: params.top_p ?? 1,
      },
      prompt_logprobs: o.promptLogprobs,
      topk_prompt_logprobs: 0,
      type: 'sample',
    });
    return this.session.client.call('asample', bodyText, sampleResponseSchema, o.signal);
  }
}
