/** How the policy samples: fixed per deployment (config), with the request's limits applied. */
export interface SampleParams {
  maxTokens: number;
  temperature: number;
  /** Token ids that end the reply (included in `tokens` when hit, as the sampler returned them). */
  stop: number[];
  seed?: number;
}

export interface SampledSequence {
  /** The sampled token ids, exactly as produced: training uses these, never a re-tokenisation. */
  tokens: number[];
  /** Log-probability of each sampled token under the sampling policy; same length as `tokens`. */
  logprobs: number[];
  stopReason: 'stop' | 'length';
}

/**
 * The port to whatever holds the current policy weights (a Tinker-protocol sampling session, a
 * fake in tests). One instance stands for one weight version; new weights arrive as a new sampler
 * swapped into the PolicyBackend.
 */
export interface PolicySampler {
  /** Policy version these weights are (recorded on every turn they serve). */
  readonly version: number;
  /** For messages and logs, e.g. the sampler path. */
  readonly name: string;
  sample(promptTokens: number[], params: SampleParams, signal: AbortSignal): Promise<SampledSequence>;
}
