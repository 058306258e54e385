import type { Logger } from 'pino';
import type { Learning } from '../learning/pipeline.js';
import { injectorOptions } from '../skills/admin.js';
import type { SkillInjector } from '../skills/inject.js';
import type { LiveTarget } from './live.js';
import type { Config } from './schema.js';

/**
 * What the running service can change without a restart. Only keys listed here are applied live;
 * every other change is reported as "restart needed" (a component that captured its settings
 * when it was built would silently keep the old value otherwise).
 */
export function liveTargets(d: {
  log: Logger;
  injector: SkillInjector | null;
  learning: Pick<Learning, 'retune'>;
  /** The running config: sections read per request are updated in it. */
  config: Config;
}): LiveTarget[] {
  const targets: LiveTarget[] = [
    {
      // Read per request by the proxy.
      keys: [/^upstream\.model_map(\.|$)/],
      apply: (next) => {
        d.config.upstream.model_map = next.upstream.model_map;
        return [];
      },
    },
    {
      keys: ['logging.level'],
      apply: (next) => {
        d.log.level = next.logging.level;
        return [];
      },
    },
  ];
  targets.push({
    // Read at each judgement / evolution run. Endpoints, models and concurrency are not: they
    // are built into clients and semaphores at start.
    keys: [
      'judge.votes',
      'judge.temperature',
      'judge.max_tokens',
      'judge.daily_call_budget',
      'evolution.min_failures',
      'evolution.verify',
      'evolution.max_ops',
      'evolution.debounce_ms',
      'evolution.duplicate_threshold',
      'evolution.approval',
    ],
    apply: (next) => {
      d.learning.retune(next);
      return [];
    },
  });
  const injector = d.injector;
  if (injector)
    targets.push({
      // Ranking and budget knobs: the injector reads its options on every request. The
      // retrieval mode needs an embedding index built at start, so it is not among them.
      keys: [
        'skills.top_k',
        'skills.max_full',
        'skills.budget_tokens',
        'skills.min_score',
        'skills.min_relative',
        'skills.min_similarity',
        'skills.require_head_match',
        'skills.full_min_coverage',
        'skills.context_messages',
        'skills.placement',
      ],
      apply: (next) => {
        const { mode: _keep, ...rest } = injectorOptions(next.skills);
        Object.assign(injector.options, rest);
        return [];
      },
    });
  return targets;
}
