import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real agent CLIs run in `npm run test:agents` (vitest.agents.config.ts).
    exclude: [...configDefaults.exclude, 'test/agents/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start servers and SQLite files; two cores, so keep the pool small.
    maxWorkers: 2,
  },
});
