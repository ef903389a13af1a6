// Runs every bench/*.bench.mjs in turn (or only those whose names contain an argument:
// `pnpm bench ledger`). Each script prints its own figures, always next to the baseline
// it is compared with on the same run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((name) => name.endsWith('.bench.mjs'))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();
let failed = 0;
for (const script of scripts) {
  console.log(`\n## ${script}`);
  const result = spawnSync(process.execPath, ['--expose-gc', join(here, script)], {
    stdio: 'inherit',
    cwd: here,
  });
  if (result.status !== 0) failed++;
}
if (scripts.length === 0) console.log('no benchmark matched');
process.exitCode = failed ? 1 : 0;
