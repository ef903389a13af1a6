import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  // ESM for `import`, CommonJS (`.cjs` + `.d.cts`) for `require()`: see the `exports` map.
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  // `import.meta.url` in the CommonJS build.
  shims: true,
  // The WebAssembly worker hands its thread `import.meta.resolve('@extism/extism')`; the
  // CommonJS build resolves the same package with `require.resolve`.
  esbuildOptions(options, context) {
    if (context.format === 'cjs') {
      options.define = { ...options.define, 'import.meta.resolve': 'karnelImportMetaResolve' };
      options.banner = {
        js: "const karnelImportMetaResolve = (specifier) => require('node:url').pathToFileURL(require.resolve(specifier)).href;",
      };
    }
  },
});
