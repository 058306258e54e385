import { coreSchema } from './001_core.js';
import { learningSchema } from './002_learning.js';
import { skillsSchema } from './003_skills.js';
import { judgeSchema } from './004_judge.js';
import { judgeHealthSchema } from './005_judge_health.js';
import { evolutionDedupeSchema } from './006_evolution_dedupe.js';
import { rlFailuresSchema } from './007_rl_failures.js';
import { dashboardSchema } from './008_dashboard.js';
import { turnPartsSchema } from './009_turn_parts.js';
import { skillVerdictsSchema } from './010_skill_verdicts.js';
import { dashSessionsSchema } from './011_dash_sessions.js';
import { voteRationalesSchema } from './012_vote_rationales.js';
import { sampleIndexesSchema } from './013_sample_indexes.js';

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
  { name: '009_turn_parts', sql: turnPartsSchema },
  { name: '010_skill_verdicts', sql: skillVerdictsSchema },
  { name: '011_dash_sessions', sql: dashSessionsSchema },
  { name: '012_vote_rationales', sql: voteRationalesSchema },
  { name: '013_sample_indexes', sql: sampleIndexesSchema },
];
