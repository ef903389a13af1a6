import { defineConfig } from 'tsup';

export default defineConfig({
  // vitest is imported only by the `testing` entry, never by the main one.
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  // ESM for `import`, CommonJS (`.cjs` + `.d.cts`) for `require()`: see the `exports` map.
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  // `import.meta.url` in the CommonJS build.
  shims: true,
});
