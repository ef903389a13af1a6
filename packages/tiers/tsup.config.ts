import { defineConfig } from 'tsup';

export default defineConfig({
  // One entry per public subpath. `config` (schema, loading, machine profile, resolution) never
  // imports the AI SDK, so `@karnel/validate` can check tiers.yaml files without it.
  entry: {
    index: 'src/index.ts',
    config: 'src/config.ts',
  },
  // ESM for `import`, CommonJS (`.cjs` + `.d.cts`) for `require()`: see the `exports` map. One
  // build keeps the modules the entries share in one chunk.
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  // `import.meta.url` in the CommonJS build.
  shims: true,
});
