// Migration (Annex E) of a group whose ledger is ~100 MB: `exportGroup` (lease check, owner
// check, signed checkpoint, hand-off record, SHA-256 of every file while packing the tar) and
// `importGroup` (unpack and hash every file, owner signatures, the ledger verified end to end
// with the checkpoint, validation), next to the obvious alternative on the same files in the
// same run: `tar -cf` + `sha256sum` of every file, and `tar -xf` + `sha256sum -c`.
// Run: pnpm bench migrate   (MIGRATE_BENCH_MB changes the ledger size)
// Imported from the built package by path: bench/package.json does not list @karnel/runtime.
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSigner, generateKeyPair } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { changeGroupLifecycle, exportGroup, importGroup } from '../packages/runtime/dist/index.js';

const targetMb = Number(process.env.MIGRATE_BENCH_MB ?? 100);
const rounds = Number(process.env.MIGRATE_BENCH_ROUNDS ?? 3);
const example = fileURLToPath(new URL('../examples/newsletter-co', import.meta.url));
const root = await mkdtemp(join(tmpdir(), 'karnel-migrate-bench-'));
const sh = (script) => execFileSync('bash', ['-c', script], { cwd: root, stdio: 'pipe' });
const du = (path) => Number(sh(`du -sb ${path} | cut -f1`).toString().trim());

try {
  const group = join(root, 'group');
  await cp(example, group, { recursive: true });
  const owner = createSigner(generateKeyPair().secretKey);
  const manifest = join(group, 'manifest.yaml');
  await writeFile(
    manifest,
    (await readFile(manifest, 'utf8')).replace(/owner: "did:key:[^"]+"/, `owner: "${owner.did}"`),
  );

  // A realistic ledger: runs of tool-call steps with results (steps.jsonl) and their entries.
  const ledger = await openLedger(join(group, 'ledger'), {
    groupCommit: { maxBatch: 2048, maxDelayMs: 5 },
  });
  const result = 'x'.repeat(1800);
  let written = 0;
  while (du(join(group, 'ledger')) < targetMb * 1_000_000) {
    const { runId } = await ledger.startRun({
      manifest: { agent: 'researcher', trigger: 'cadence' },
    });
    const pending = [];
    for (let step = 0; step < 2000; step++)
      pending.push(
        ledger.appendStep(runId, {
          kind: 'tool',
          tool: 'web.search',
          arguments: { query: `query ${written + step}` },
          output: result,
          cost: '0.00041',
        }),
      );
    await Promise.all(pending);
    await ledger.finishRun(runId, { status: 'succeeded' });
    written += 2000;
  }
  await ledger.close();
  const bytes = du(group);
  const files = Number(sh(`find group -type f | wc -l`).toString().trim());
  console.log(
    `group: ${(bytes / 1e6).toFixed(1)} MB in ${files} files (ledger ${(du(join(group, 'ledger')) / 1e6).toFixed(1)} MB, ${written} steps); ${rounds} rounds, median`,
  );

  const median = (samples) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  const time = async (fn) => {
    const start = performance.now();
    await fn();
    return (performance.now() - start) / 1000;
  };
  const samples = { export: [], import: [], tarC: [], tarX: [] };
  for (let round = 0; round < rounds; round++) {
    const bundle = join(root, `bundle-${round}.tar`);
    const into = join(root, `imported-${round}`);
    samples.export.push(await time(() => exportGroup({ dir: group, bundle, signer: owner })));
    samples.import.push(await time(() => importGroup({ bundle, into, requirements: false })));
    await rm(into, { recursive: true });
    await rm(bundle);
    // The next round exports the same folder: the owner cancels this hand-off first (an
    // export refuses a group already handed off).
    await changeGroupLifecycle(group, 'resume', { signer: owner });
    // The alternative: pack and hash the same files; unpack and check the hashes.
    samples.tarC.push(
      await time(() =>
        sh(
          `tar -cf plain.tar group && (cd group && find . -type f -print0 | xargs -0 sha256sum > ../plain.sha256)`,
        ),
      ),
    );
    samples.tarX.push(
      await time(() =>
        sh(
          `mkdir plain && tar -xf plain.tar -C plain && (cd plain/group && sha256sum --quiet -c ../../plain.sha256)`,
        ),
      ),
    );
    sh('rm -rf plain plain.tar plain.sha256');
  }
  const row = (name, seconds) =>
    console.log(
      `  ${name.padEnd(46)} ${seconds.toFixed(2)} s   ${(bytes / 1e6 / seconds).toFixed(0)} MB/s`,
    );
  row('karnel migrate export (exportGroup)', median(samples.export));
  row('tar -cf + sha256sum of every file', median(samples.tarC));
  row('karnel migrate import (importGroup, no tiers)', median(samples.import));
  row('tar -xf + sha256sum -c', median(samples.tarX));
  console.log(
    `  export / tar+sha256sum: ${(median(samples.export) / median(samples.tarC)).toFixed(2)}x; import / tar+sha256sum -c: ${(median(samples.import) / median(samples.tarX)).toFixed(2)}x (import also verifies the ledger chain, signatures and Merkle root, and validates the group)`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
