// The ci_runner member: the project's own test suite, reached through the subprocess adapter.
// It reads one structured task message (Annex C) as JSON on stdin, runs `npm test` in the
// current directory (the project checkout), and prints its verdict as JSON on stdout:
// {"verdict":"approve"|"reject","comments":"<the last lines of the test output>"}.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const task = JSON.parse(readFileSync(0, 'utf8'));
if (task.type !== 'task' && task.type !== 'review') {
  process.stderr.write(`ci-runner: expected a task or review message, got ${task.type}\n`);
  process.exit(2);
}
const run = spawnSync('npm', ['test', '--silent'], { encoding: 'utf8', timeout: 15 * 60 * 1000 });
const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
process.stdout.write(
  `${JSON.stringify({ verdict: run.status === 0 ? 'approve' : 'reject', comments: output })}\n`,
);
