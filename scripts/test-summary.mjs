// Adds up the JSON reports that each package's vitest run wrote and prints one closing line,
// "N passed, N failed", so a whole-repo run ends with a single, comparable figure.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
let packages = 0;
for (const folder of ['packages', 'examples']) {
  if (!existsSync(folder)) continue;
  for (const name of readdirSync(folder)) {
    const report = join(folder, name, '.test-results', 'vitest.json');
    if (!existsSync(report)) continue;
    const result = JSON.parse(readFileSync(report, 'utf8'));
    packages++;
    passed += result.numPassedTests ?? 0;
    failed += result.numFailedTests ?? 0;
    skipped += (result.numPendingTests ?? 0) + (result.numTodoTests ?? 0);
  }
}
console.log(`\n${packages} packages tested`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 || packages === 0 ? 1 : 0;
