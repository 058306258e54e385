import { z } from 'zod';

/** An OpenAI-compatible `/embeddings` endpoint (OpenAI, Ollama, vLLM, LM Studio …). */
export const skillsEmbeddingSection = z
  .object({
    /** Base URL without `/embeddings`, e.g. `https://api.openai.com/v1`. */
    base_url: z.url().optional(),
    api_key: z.string().min(1).optional(),
    api_key_env: z.string().min(1).optional(),
    model: z.string().min(1).default('text-embedding-3-small'),
    /** Asks the endpoint for shorter vectors when it supports it (OpenAI v3 models). */
    dimensions: z.number().int().positive().optional(),
    batch_size: z.number().int().min(1).max(2048).default(64),
    timeout_ms: z.number().int().positive().default(30_000),
  })
  .strict();

/** Skill library settings (issue: skill library). Owned by src/skills/. */
export const skillsSection = z
  .object({
    enabled: z.boolean().default(true),
    /** Folder of Agent-Skills folders; relative paths are resolved against the MetaClaw home. */
    dir: z.string().min(1).default('skills'),
    /** At most this many skills per request (full bodies + name/description lines). */
    top_k: z.number().int().min(0).default(6),
    /** Of those, at most this many get their full body; the rest get one line each. */
    max_full: z.number().int().min(0).default(3),
    /** Token budget for the whole injected block (o200k_base tokens). */
    budget_tokens: z.number().int().min(0).default(2000),
    /**
     * Minimum lexical (BM25) score. Off by default: BM25 scores scale with library size (a
     * one-skill library scores low), so the relative cut below is the robust default.
     */
    min_score: z.number().min(0).default(0),
    /** Drop skills scoring below this fraction of the best match (keeps the tail from diluting the prompt). */
    min_relative: z.number().min(0).max(1).default(0.45),
    /**
     * A lexical match must share a word with the skill's name, description or tags; a skill found
     * only through words of its body is usually about something else.
     */
    require_head_match: z.boolean().default(true),
    /**
     * Share of the request's (IDF-weighted) words a skill's name, description and tags must cover
     * for its full body to be injected; weaker matches get a one-line mention. 0 … 1, independent
     * of library size.
     */
    full_min_coverage: z.number().min(0).max(1).default(0.05),
    /** Minimum cosine similarity for embedding retrieval. */
    min_similarity: z.number().min(-1).max(1).default(0.2),
    retrieval: z.enum(['lexical', 'embedding', 'hybrid']).default('lexical'),
    /** Earlier messages (besides the latest user request) that feed the retrieval query. */
    context_messages: z.number().int().min(0).max(20).default(2),
    /**
     * Where the block goes: `user` = on the message holding the human's request, kept there for the
     * rest of the session (the provider's prompt cache keeps the whole history); `system` = at the
     * end of the system prompt (changes at every new task, so the cached history after it is lost).
     */
    placement: z.enum(['user', 'system']).default('user'),
    /** A SKILL.md larger than this is skipped with a warning naming the file (issue 17: no size cap froze the proxy). */
    max_file_bytes: z
      .number()
      .int()
      .positive()
      .default(256 * 1024),
    /** Watch the folder for hand edits (else only `metaclaw skills sync` picks them up). */
    watch: z.boolean().default(true),
    /** How often the service checks the store for change sets made by the CLI. */
    poll_ms: z.number().int().min(50).default(1000),
    embedding: skillsEmbeddingSection.default(skillsEmbeddingSection.parse({})),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.retrieval !== 'lexical' && !s.embedding.base_url) {
      ctx.addIssue({
        code: 'custom',
        path: ['embedding', 'base_url'],
        message: `required when skills.retrieval is ${s.retrieval} (an OpenAI-compatible /embeddings endpoint)`,
      });
    }
  });
