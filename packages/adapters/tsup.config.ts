import { defineConfig } from 'tsup';

export default defineConfig({
  // vitest is imported only by the `testing` entry, never by the main one.
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
});
