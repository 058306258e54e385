import { z } from 'zod';

/** Where the trainable policy's tokenizer comes from and how it samples. Owned by src/learning/policy/. */
const policySection = z
  .object({
    /** Folder holding tokenizer.json + tokenizer_config.json (relative = under home). Wins over model_id. */
    tokenizer_dir: z.string().min(1).optional(),
    /** Hugging Face repo id (e.g. `Qwen/Qwen3-8B`): the tokenizer files are downloaded once into cache_dir. */
    model_id: z
      .string()
      .regex(/^[\w.-]+(\/[\w.-]+)?$/, 'expected a Hugging Face repo id such as Qwen/Qwen3-8B')
      .refine((s) => !s.split('/').includes('..'), 'must not contain ".."')
      .optional(),
    hub_url: z.url().default('https://huggingface.co'),
    /** Download cache (relative = under home). */
    cache_dir: z.string().min(1).default('models'),
    /** Upper bound on sampled tokens; a request's max_tokens can only lower it. */
    max_tokens: z.number().int().positive().default(4096),
    /**
     * The policy's sampling temperature. Requests cannot change it: training treats the sampler's
     * logprobs as the behaviour policy, so every served turn must come from the same distribution.
     */
    temperature: z.number().min(0).max(2).default(1),
    /** Tokens that end a reply; empty = the tokenizer's eos_token plus `<|im_end|>` when it exists. */
    stop: z.array(z.string().min(1)).default([]),
  })
  .strict();

/** What answers LLM calls: the configured HTTP upstream, or a trainable policy (RL issue). */
export const servingSection = z
  .object({
    mode: z.enum(['upstream', 'policy']).default('upstream'),
    policy: policySection.default(policySection.parse({})),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.mode === 'policy' && !s.policy.tokenizer_dir && !s.policy.model_id) {
      ctx.addIssue({
        code: 'custom',
        path: ['policy', 'tokenizer_dir'],
        message: 'serving.mode is policy: set serving.policy.tokenizer_dir or serving.policy.model_id',
      });
    }
  });

export type ServingConfig = z.infer<typeof servingSection>;
