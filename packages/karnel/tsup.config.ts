import { defineConfig } from 'tsup';

// tsup builds the two configurations in parallel, so neither cleans `dist/` (one would delete the
// other's output); both write fixed file names, which a rebuild overwrites.
export default defineConfig([
  {
    // The library entry: ESM for `import`, CommonJS (`.cjs` + `.d.cts`) for `require()`.
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node22',
    // `import.meta.url` in the CommonJS build.
    shims: true,
  },
  {
    // The command's entry (bin/karnel.js imports it): ESM only, it awaits at the top level.
    entry: ['src/main.ts'],
    format: ['esm'],
    dts: true,
    sourcemap: true,
    target: 'node22',
  },
]);
