// The repository's test command (`pnpm test`, which .ci/run runs): every package's tests through
// turbo, then lint (biome) and the API docs (typedoc with warnings as errors, so every export
// stays documented), then one closing line "N passed, N failed" added up over all packages.
import { spawnSync } from 'node:child_process';

const steps = [
  ['tests', 'turbo', ['run', 'test', '--continue']],
  ['lint', 'biome', ['check', '.']],
  ['api docs', 'typedoc', ['--logLevel', 'Warn']],
];
const failed = [];
for (const [name, command, args] of steps) {
  console.log(`\n== ${name}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) failed.push(name);
}
if (failed.length > 0) console.log(`\nfailed: ${failed.join(', ')}`);
const summary = spawnSync(process.execPath, ['scripts/test-summary.mjs'], { stdio: 'inherit' });
process.exitCode = failed.length > 0 || summary.status !== 0 ? 1 : 0;
