import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  // `node:sqlite` exists only under its `node:` name; keep every built-in's prefix.
  removeNodeProtocol: false,
});
