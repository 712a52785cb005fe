import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The tests start real Node processes and a real browser; two cores are enough for two at a time.
    maxWorkers: 2,
  },
});
