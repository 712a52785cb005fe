import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The agent is written as .cts (it must compile to CommonJS); Vite's TypeScript transform leaves those out
  // by default, and the recorder imports the agent's file-name contract from one.
  oxc: { include: /\.(m|c)?ts$/ },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The tests start real Node processes and a real browser; two cores are enough for two at a time.
    maxWorkers: 2,
  },
});
