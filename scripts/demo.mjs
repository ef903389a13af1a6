// `pnpm demo`: runs the example company once on a fresh copy, with the offline demo model, so a
// real loop runs on a machine without any model and the example folder stays clean.
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const karnel = join(root, 'packages/karnel/bin/karnel.js');
const dir = join(await mkdtemp(join(tmpdir(), 'karnel-demo-')), 'newsletter-co');
await cp(join(root, 'examples/newsletter-co'), dir, { recursive: true });

console.log(`$ karnel run ${dir} --once --offline`);
const run = spawnSync(process.execPath, [karnel, 'run', dir, '--once', '--offline'], {
  stdio: 'inherit',
});
if (run.status !== 0) process.exit(run.status ?? 1);
console.log(`\n$ karnel approvals list ${dir}`);
const approvals = spawnSync(process.execPath, [karnel, 'approvals', 'list', dir], {
  stdio: 'inherit',
});
console.log(`\nThe copy is ${dir}. Look around with:
  pnpm karnel status ${dir}
  pnpm karnel runs list ${dir}
  pnpm karnel ledger verify ${dir}/ledger`);
process.exit(approvals.status ?? 1);
