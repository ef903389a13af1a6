import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  dts: true,
  sourcemap: true,
  target: 'node22',
  // `node:sqlite` exists only under its `node:` name; keep every built-in's prefix.
  removeNodeProtocol: false,
};

// One entry per public subpath; the heavy peers (LanceDB, Arrow, Ollama, the AI SDK, vitest) are
// imported only by their own entries, or lazily, never by the main entry. tsup builds the two
// configurations in parallel, so neither cleans `dist/` (one would delete the other's output).
export default defineConfig([
  {
    ...shared,
    // ESM for `import`, CommonJS (`.cjs` + `.d.cts`) for `require()`: see the `exports` map.
    entry: { index: 'src/index.ts', lancedb: 'src/lancedb/index.ts', ollama: 'src/ollama/index.ts' },
    format: ['esm', 'cjs'],
    // `import.meta.url` in the CommonJS build.
    shims: true,
  },
  {
    ...shared,
    // The AI SDK and vitest are ESM-only, so the subpaths built on them are too.
    entry: { ai: 'src/ai/index.ts', testing: 'src/testing/index.ts' },
    format: ['esm'],
  },
]);
