import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'firmware-sim/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Timing-sensitive network tests share a 2-core machine; keep parallelism modest.
    maxWorkers: 2,
  },
});
