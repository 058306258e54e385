import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { ConditionEndpoint } from './runner.js';
import { type LearningService, startLearningService } from './service.js';

export type Protocol = 'openai' | 'anthropic';
export const CONDITIONS = ['baseline', 'skills', 'full'] as const;

export interface ConditionSetup {
  endpoints: ConditionEndpoint[];
  services: LearningService[];
  notes: string[];
}

/**
 * One endpoint per condition: `baseline` is the upstream itself; `skills` and `full` are an
 * in-process MetaClaw each, with a home of its own (inside the run folder, or under `--home`).
 */
export async function startConditions(o: {
  conditions: string[];
  loaded: LoadedConfig;
  baseUrl: string;
  apiKey: string;
  protocol: Protocol;
  out: string;
  home?: string;
}): Promise<ConditionSetup> {
  const setup: ConditionSetup = { endpoints: [], services: [], notes: [] };
  try {
    for (const c of o.conditions) {
      if (c === 'baseline') {
        setup.endpoints.push({ name: c, baseUrl: o.baseUrl, apiKey: o.apiKey });
        continue;
      }
      if (c === 'full' && !o.loaded.config.rl?.enabled)
        setup.notes.push(
          'condition full: rl.enabled is false in the config, so it runs as skills without policy training',
        );
      const home = o.home ? path.join(path.resolve(o.home), c) : path.join(o.out, 'homes', c);
      // The user's learning settings apply, but never their store, skills folder or port: a
      // bench run must not read or change the real library.
      const {
        proxy: _p,
        store: _s,
        scheduler: _sch,
        ...rest
      } = o.loaded.config as unknown as Record<string, unknown>;
      const skills = { ...(rest.skills as object), dir: 'skills' };
      const svc = await startLearningService({
        name: c,
        home,
        protocol: o.protocol,
        upstream: {
          ...(o.loaded.config.upstream as object),
          provider: o.protocol,
          base_url: o.baseUrl,
          api_key: o.apiKey,
        },
        extraConfig: c === 'full' ? { ...rest, skills } : { ...rest, skills, rl: { enabled: false } },
        env: process.env,
      });
      setup.services.push(svc);
      setup.endpoints.push(svc.endpoint);
    }
  } catch (err) {
    for (const s of setup.services) await s.close();
    throw err;
  }
  return setup;
}
