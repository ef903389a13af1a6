// The ci_runner member: the project's test suite, reached through the subprocess adapter
// (Annex B, section 8.2). It runs in the same sandbox as a skill: it sees only this folder, has
// no network and may not start other programs — so instead of spawning `npm test` it runs the
// test files the project's CI places in ./tests/ in-process, with node:test.
//
// Standard input: one structured message (Annex C) as JSON, a `task` or a `review`.
// Standard output: one outcome document (Annex B, section 3):
//   {"status":"completed","summary":"12 passed, 0 failed",
//    "outputs":{"verdict":"approve"|"reject","passed":12,"failed":0,"failures":[…]}}
import { readdirSync, readFileSync } from 'node:fs';
import { run } from 'node:test';
import { fileURLToPath } from 'node:url';

const message = JSON.parse(readFileSync(0, 'utf8'));
if (message.type !== 'task' && message.type !== 'review') {
  process.stdout.write(
    `${JSON.stringify({ status: 'declined', summary: `ci_runner runs tests for a task or a review, not a ${message.type}` })}\n`,
  );
  process.exit(0);
}

const folder = new URL('./tests/', import.meta.url);
const files = readdirSync(folder)
  .filter((name) => name.endsWith('.test.mjs'))
  .sort()
  .map((name) => fileURLToPath(new URL(name, folder)));

let passed = 0;
const failures = [];
for await (const event of run({ files, isolation: 'none' })) {
  if (event.data?.details?.type === 'suite') continue;
  if (event.type === 'test:pass') passed++;
  if (event.type === 'test:fail') {
    const error = event.data.details?.error;
    failures.push(
      `${event.data.name}: ${(error?.cause ?? error)?.message ?? 'failed'}`.slice(0, 500),
    );
  }
}

process.stdout.write(
  `${JSON.stringify({
    status: 'completed',
    summary: `${passed} passed, ${failures.length} failed`,
    outputs: {
      verdict: failures.length === 0 && passed > 0 ? 'approve' : 'reject',
      passed,
      failed: failures.length,
      failures: failures.slice(0, 20),
    },
  })}\n`,
);
