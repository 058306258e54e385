import { z } from 'zod';

/** Skill library settings (issue: skill library). Owned by src/skills/. */
export const skillsSection = z
  .object({
    enabled: z.boolean().default(true),
    /** Folder of Agent-Skills folders; relative paths are resolved against the MetaClaw home. */
    dir: z.string().min(1).default('skills'),
    top_k: z.number().int().min(0).default(6),
    budget_tokens: z.number().int().min(0).default(2000),
    min_score: z.number().min(0).default(0),
    retrieval: z.enum(['lexical', 'embedding', 'hybrid']).default('lexical'),
  })
  .passthrough();
