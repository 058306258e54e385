import { defineConfig } from 'vitest/config';

/**
 * Real agents (Claude Code, Codex CLI, OpenClaw from npm) against a local MetaClaw and the fake LLM:
 * `npm run test:agents`, kept out of `npm test` because each run spawns an agent binary. The agents are
 * not project dependencies: the global setup installs them at pinned versions into a cache folder
 * (`$METACLAW_AGENT_CACHE`, default `~/.cache/metaclaw-test-agents`) on first use.
 */
export default defineConfig({
  test: {
    include: ['test/agents/**/*.test.ts'],
    globalSetup: ['test/agents/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
