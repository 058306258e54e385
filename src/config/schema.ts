import { z } from 'zod';
import {
  loggingSection,
  proxySection,
  sessionsSection,
  storeSection,
  upstreamSection,
} from './sections/core.js';
import { evolutionSection, judgeSection } from './sections/learning.js';
import { pricingSection } from './sections/pricing.js';
import { rlSection } from './sections/rl.js';
import { schedulerSection } from './sections/scheduler.js';
import { servingSection } from './sections/serving.js';
import { skillsSection } from './sections/skills.js';

/**
 * The whole config file. Each section lives in its own module so that the component that
 * owns it also owns its keys; defaults make an empty file (or no file) a valid config.
 */
export const configSchema = z
  .object({
    proxy: proxySection.default(proxySection.parse({})),
    upstream: upstreamSection.default(upstreamSection.parse({})),
    store: storeSection.default(storeSection.parse({})),
    sessions: sessionsSection.default(sessionsSection.parse({})),
    logging: loggingSection.default(loggingSection.parse({})),
    skills: skillsSection.default(skillsSection.parse({})),
    scheduler: schedulerSection.default(schedulerSection.parse({})),
    judge: judgeSection.default(judgeSection.parse({})),
    evolution: evolutionSection.default(evolutionSection.parse({})),
    rl: rlSection.default(rlSection.parse({})),
    serving: servingSection.default(servingSection.parse({})),
    pricing: pricingSection.default({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Keys whose values are secrets: masked by `config show`, never logged. */
export function isSecretKey(path: string): boolean {
  return /(^|\.)(api_key|token|secret|password)$/.test(path);
}
