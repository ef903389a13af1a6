// Writes spec/schemas/coordination-protocol.schema.json and message.schema.json from the zod
// schemas of the built package (`pnpm --filter @karnel/coordination build` first).
// `src/json-schemas.test.ts` fails when the committed files differ from what this writes.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportCoordinationJsonSchemas } from '../dist/index.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'spec', 'schemas');
await mkdir(target, { recursive: true });
for (const [file, schema] of Object.entries(exportCoordinationJsonSchemas())) {
  await writeFile(join(target, file), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote spec/schemas/${file}`);
}
