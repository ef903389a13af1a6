// Durable appends per second, next to the limit: a plain appendFile + fsync loop writing the
// same bytes to one file. Then group commit (concurrent appends sharing fsyncs).
// Run: node --expose-gc bench/ledger-append.bench.mjs (after pnpm --filter @karnel/ledger build)
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger } from '@karnel/ledger';

const durableCount = Number(process.env.LEDGER_BENCH_APPENDS ?? 2000);
const groupCount = Number(process.env.LEDGER_BENCH_GROUP_APPENDS ?? 20000);
const inFlight = 64;
const root = await mkdtemp(join(tmpdir(), 'karnel-bench-'));

const record = (index) => ({
  type: 'skill.executed',
  body: {
    skill: 'web.search',
    worker: 'node',
    index,
    duration_ms: 120 + (index % 50),
    cost_usd: '0.0004',
  },
});

function rate(count, milliseconds) {
  return Math.round((count / milliseconds) * 1000);
}

try {
  // 1. One durable append at a time.
  const durableDir = join(root, 'durable');
  const ledger = await openLedger(durableDir);
  let started = performance.now();
  for (let index = 0; index < durableCount; index++) await ledger.append(record(index));
  const durableMs = performance.now() - started;
  await ledger.close();

  // 2. The limit: the same bytes, appended and fsynced one line at a time to a plain file.
  const lines = (await readFile(join(durableDir, 'chain.jsonl'), 'utf8')).split('\n').slice(0, -1);
  const handle = await open(join(root, 'plain.jsonl'), 'a');
  started = performance.now();
  for (const line of lines) {
    await handle.appendFile(`${line}\n`);
    await handle.datasync();
  }
  const plainMs = performance.now() - started;
  await handle.close();

  // 3. Group commit: many appends in flight, sharing fsyncs; each resolves once durable.
  const groupLedger = await openLedger(join(root, 'group'), { groupCommit: true });
  started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < groupCount) await groupLedger.append(record(next++));
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const groupMs = performance.now() - started;
  await groupLedger.close();
  const verified = await (await openLedger(join(root, 'group'))).verify();

  const bytes = lines.reduce((sum, line) => sum + line.length + 1, 0);
  console.log(`entries of ~${Math.round(bytes / lines.length)} bytes`);
  console.log(
    `durable appends (one at a time): ${rate(durableCount, durableMs)} entries/s (${durableCount} entries)`,
  );
  console.log(
    `plain appendFile + fsync loop, same bytes (the limit): ${rate(lines.length, plainMs)} lines/s`,
  );
  console.log(
    `  ratio: ${(rate(durableCount, durableMs) / rate(lines.length, plainMs)).toFixed(2)} of the limit`,
  );
  console.log(
    `group commit (${inFlight} in flight): ${rate(groupCount, groupMs)} entries/s (${groupCount} entries, verified: ${verified.ok})`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
