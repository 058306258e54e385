import type { Logger } from 'pino';
import type { LoadedConfig } from './config/load.js';
import type { PolicySamplerFactory } from './learning/policy/build-backend.js';

// What the composition root (app.ts) is built from.

export interface AppOptions {
  loaded: LoadedConfig;
  env?: NodeJS.ProcessEnv;
  /** Overrides proxy.port (0 = ephemeral, for tests). */
  port?: number;
  log?: Logger;
  /** Sampler for `serving.mode: policy` (required in that mode). */
  policySampler?: PolicySamplerFactory;
  /** Hub downloads of the policy's tokenizer (tests). */
  fetchFn?: typeof fetch;
  /** The optional components' code, loaded by `App.create` only when enabled. */
  optional?: OptionalModules;
}

/**
 * The scheduler and RL code, imported only when enabled: a long-running proxy keeps whatever it
 * imported in memory, and most never train a policy.
 */
export interface OptionalModules {
  scheduler?: typeof import('./scheduler/runtime.js');
  rl?: typeof import('./learning/rl/runtime.js');
}

export async function loadOptionalModules(config: LoadedConfig['config']): Promise<OptionalModules> {
  return {
    scheduler: config.scheduler.enabled ? await import('./scheduler/runtime.js') : undefined,
    rl: config.rl.enabled ? await import('./learning/rl/runtime.js') : undefined,
  };
}
