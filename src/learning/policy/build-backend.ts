import type { Logger } from 'pino';
import { ConfigError } from '../../config/errors.js';
import { resolveUnderHome } from '../../config/paths.js';
import type { Config } from '../../config/schema.js';
import { PolicyBackend } from '../../upstream/policy-backend.js';
import type { PolicySampler } from './sampler.js';
import { loadPolicyTokenizer, type PolicyTokenizer } from './tokenizer.js';

/** Builds the sampler for the current policy weights (the Tinker-protocol sampler, a fake in tests). */
export type PolicySamplerFactory = (ctx: {
  config: Config;
  tokenizer: PolicyTokenizer;
  log: Logger;
}) => PolicySampler | Promise<PolicySampler>;

export interface PolicyServingDeps {
  config: Config;
  home: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  samplerFactory: PolicySamplerFactory;
  /** Injected for tests; the hub download otherwise uses global fetch. */
  fetchFn?: typeof fetch;
}

/** `serving.mode: policy`: load the tokenizer (downloading it once if needed), build the sampler, serve. */
export async function buildPolicyBackend(d: PolicyServingDeps): Promise<PolicyBackend> {
  const p = d.config.serving.policy;
  const tokenizer = await loadPolicyTokenizer({
    dir: p.tokenizer_dir ? resolveUnderHome(d.home, p.tokenizer_dir) : undefined,
    modelId: p.model_id,
    hubUrl: p.hub_url,
    cacheDir: resolveUnderHome(d.home, p.cache_dir),
    hubToken: d.env.HF_TOKEN ?? d.env.HUGGING_FACE_HUB_TOKEN,
    fetchFn: d.fetchFn,
  });
  const stop = stopTokenIds(tokenizer, p.stop);
  const sampler = await d.samplerFactory({ config: d.config, tokenizer, log: d.log });
  d.log.info(
    { tokenizer: tokenizer.source, sampler: sampler.name, version: sampler.version, stop },
    'serving from the trainable policy',
  );
  return new PolicyBackend({
    tokenizer,
    sampler,
    maxTokens: p.max_tokens,
    temperature: p.temperature,
    stop,
    model: p.model_id,
  });
}

/** Configured stop tokens as ids; by default the eos token and ChatML's `<|im_end|>` when present. */
export function stopTokenIds(tok: PolicyTokenizer, configured: string[]): number[] {
  if (configured.length > 0) {
    return configured.map((t, i) => {
      const id = tok.tokenId(t);
      if (id === undefined)
        throw new ConfigError(
          `serving.policy.stop.${i}: "${t}" is not a single token of ${tok.source}`,
          `serving.policy.stop.${i}`,
        );
      return id;
    });
  }
  const ids = new Set<number>();
  for (const t of [tok.eosToken, '<|im_end|>']) {
    const id = t ? tok.tokenId(t) : undefined;
    if (id !== undefined) ids.add(id);
  }
  if (ids.size === 0) {
    throw new ConfigError(
      `serving.policy.stop: ${tok.source} names no eos_token, so list the end-of-turn tokens here`,
      'serving.policy.stop',
    );
  }
  return [...ids];
}
