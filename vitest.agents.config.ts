import { defineConfig } from 'vitest/config';

/**
 * Real agents (Claude Code, Codex CLI from npm) against a local MetaClaw and the fake LLM:
 * `npm run test:agents`, kept out of `npm test` because each run spawns an agent binary.
 */
export default defineConfig({
  test: {
    include: ['test/agents/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
