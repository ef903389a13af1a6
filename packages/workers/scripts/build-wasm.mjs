// Assembles the WebAssembly text files of this package's tests and of the add-wasm example into
// .wasm binaries beside them (or where a target says), and prints each binary's SHA-256, which
// karnel.yaml files declare. The binaries are committed; run this after editing a .wat file:
//   node packages/workers/scripts/build-wasm.mjs
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import createWabt from 'wabt';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'test', 'fixtures', 'wasm');
const example = join(here, '..', '..', '..', 'examples', 'skills', 'add-wasm');

const targets = [
  ...readdirSync(fixtures)
    .filter((name) => name.endsWith('.wat'))
    .map((name) => ({
      source: join(fixtures, name),
      output: join(fixtures, name.replace(/\.wat$/, '.wasm')),
    })),
  {
    source: join(example, 'src', 'add.wat'),
    output: join(example, 'main.wasm'),
    manifest: join(example, 'karnel.yaml'),
  },
];

const wabt = await createWabt();
for (const target of targets) {
  const module = wabt.parseWat(target.source, readFileSync(target.source, 'utf8'));
  module.validate();
  const { buffer } = module.toBinary({ log: false, write_debug_names: false });
  module.destroy();
  writeFileSync(target.output, buffer);
  const digest = createHash('sha256').update(buffer).digest('hex');
  if (target.manifest) {
    const text = readFileSync(target.manifest, 'utf8');
    writeFileSync(target.manifest, text.replace(/sha256: "?[0-9a-f]{64}"?/, `sha256: "${digest}"`));
  }
  console.log(`${digest}  ${target.output}`);
}
