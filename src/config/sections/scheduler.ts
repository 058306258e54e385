import { z } from 'zod';

/** Opportunistic-window scheduler settings (issue: scheduler). Owned by src/scheduler/. */
export const schedulerSection = z
  .object({
    enabled: z.boolean().default(false),
  })
  .passthrough();
