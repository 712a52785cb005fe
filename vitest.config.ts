import { defineConfig } from 'vitest/config';

// Tests that compare profiles read recordings made once (fixtures/recordings/, scripts/record-fixtures.mjs), so
// no test needs the machine to itself any more.
export default defineConfig({
  // The agent is written as .cts (it must compile to CommonJS); Vite's TypeScript transform leaves those out
  // by default, and the recorder imports the agent's file-name contract from one.
  oxc: { include: /\.(m|c)?ts$/ },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    include: ['test/**/*.test.ts'],
    // The tests start real Node processes and a real browser; two cores are enough for two at a time.
    maxWorkers: 2,
  },
});
