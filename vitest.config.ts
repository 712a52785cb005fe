import { defineConfig } from 'vitest/config';

// Test files that compare profiles of recordings made in the test: the machine must be quiet while they
// record (other tests' processes skew V8's sampler, docs/benchmarks.md), so they run alone, after the rest.
const quietRecordings = ['test/markdown.test.ts'];

export default defineConfig({
  // The agent is written as .cts (it must compile to CommonJS); Vite's TypeScript transform leaves those out
  // by default, and the recorder imports the agent's file-name contract from one.
  oxc: { include: /\.(m|c)?ts$/ },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        // The tests start real Node processes and a real browser; two cores are enough for two at a time.
        test: { name: 'main', include: ['test/**/*.test.ts'], exclude: quietRecordings, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'quiet', include: quietRecordings, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
