import { defineConfig } from 'vitest/config';

/**
 * The vitest settings every package shares. Each run also writes a JSON report that
 * `scripts/test-summary.mjs` adds up into the one closing line CI reads.
 */
export const sharedConfig = defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
  },
});
