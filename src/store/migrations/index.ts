import { coreSchema } from './001_core.js';
import { learningSchema } from './002_learning.js';
import { skillsSchema } from './003_skills.js';
import { judgeSchema } from './004_judge.js';
import { judgeHealthSchema } from './005_judge_health.js';
import { evolutionDedupeSchema } from './006_evolution_dedupe.js';
import { rlFailuresSchema } from './007_rl_failures.js';
import { dashboardSchema } from './008_dashboard.js';

/**
 * Ordered schema migrations. Append only: a shipped migration is never edited, because user
 * stores already ran it. The store's `user_version` pragma records how many have run.
 */
export const migrations: { name: string; sql: string }[] = [
  { name: '001_core', sql: coreSchema },
  { name: '002_learning', sql: learningSchema },
  { name: '003_skills', sql: skillsSchema },
  { name: '004_judge', sql: judgeSchema },
  { name: '005_judge_health', sql: judgeHealthSchema },
  { name: '006_evolution_dedupe', sql: evolutionDedupeSchema },
  { name: '007_rl_failures', sql: rlFailuresSchema },
  { name: '008_dashboard', sql: dashboardSchema },
];
