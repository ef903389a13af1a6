import { defineConfig } from 'tsup';

export default defineConfig({
  // One entry per public subpath; the heavy peers (LanceDB, Arrow, Ollama, the AI SDK, vitest)
  // are imported only by their own entries, or lazily, never by the main entry.
  entry: {
    index: 'src/index.ts',
    lancedb: 'src/lancedb/index.ts',
    ollama: 'src/ollama/index.ts',
    ai: 'src/ai/index.ts',
    testing: 'src/testing/index.ts',
  },
  // ESM for `import`, CommonJS (`.cjs` + `.d.cts`) for `require()`: see the `exports` map. One
  // build keeps the types the entries share in one chunk.
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  // `import.meta.url` in the CommonJS build.
  shims: true,
  // `node:sqlite` exists only under its `node:` name; keep every built-in's prefix.
  removeNodeProtocol: false,
});
