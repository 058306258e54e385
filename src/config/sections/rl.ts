import { z } from 'zod';

/** On-policy distillation: a teacher's logprobs of the sampled response, as a reverse-KL penalty. */
export const opdSection = z
  .object({
    enabled: z.boolean().default(false),
    /** OpenAI-compatible base URL (with /v1) serving /completions with echo + logprobs. */
    base_url: z.url().optional(),
    api_key: z.string().min(1).optional(),
    api_key_env: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    /** Weight of the penalty folded into each token's advantage. */
    coef: z.number().min(0).default(0.1),
    timeout_ms: z.number().int().positive().default(60_000),
  })
  .strict();

/** RL on a trainable LoRA policy through a Tinker-protocol service (Tinker, MinT, SkyRL-tx). */
export const rlSection = z
  .object({
    enabled: z.boolean().default(false),
    /** Tinker's hosted service by default; MinT or a self-hosted SkyRL-tx URL otherwise. */
    backend_url: z.url().default('https://tinker.thinkingmachines.dev/services/tinker-prod'),
    api_key: z.string().min(1).optional(),
    api_key_env: z.string().min(1).default('TINKER_API_KEY'),
    base_model: z.string().min(1).optional(),
    lora_rank: z.number().int().min(1).max(512).default(32),
    loss: z.enum(['importance_sampling', 'ppo']).default('importance_sampling'),
    /** PPO ratio clip thresholds. */
    clip_low: z.number().positive().default(0.8),
    clip_high: z.number().positive().default(1.2),
    learning_rate: z.number().positive().default(1e-4),
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.95),
    eps: z.number().positive().default(1e-12),
    weight_decay: z.number().min(0).default(0),
    grad_clip_norm: z.number().min(0).default(0),
    /** Samples per training step (fewer is fine once the queue is drained). */
    batch_size: z.number().int().min(1).default(16),
    /** Do not train on fewer samples than this. */
    min_batch: z.number().int().min(1).default(4),
    checkpoint_every: z.number().int().min(1).default(5),
    /** `batch` (whitening, the reference), `group` (GRPO over samples sharing a prompt), `ema-baseline`. */
    advantage: z.enum(['batch', 'group', 'ema-baseline']).default('batch'),
    ema_decay: z.number().min(0).max(1).default(0.9),
    /** Samples served by a policy more than this many versions old are dropped. */
    max_policy_lag: z.number().int().min(0).default(2),
    /** `scheduler`: train in opportunistic windows; `always`: whenever there is work; `manual`: `metaclaw train step`. */
    schedule: z.enum(['scheduler', 'always', 'manual']).default('scheduler'),
    opd: opdSection.default(opdSection.parse({})),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.enabled && !r.base_model)
      ctx.addIssue({ code: 'custom', path: ['base_model'], message: 'required when rl.enabled is true' });
    if (r.clip_low >= r.clip_high)
      ctx.addIssue({ code: 'custom', path: ['clip_low'], message: 'must be below rl.clip_high' });
  });

export type RlConfig = z.infer<typeof rlSection>;
