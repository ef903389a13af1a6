// A separate process that appends to a ledger, for the crash and concurrency tests.
// Usage: node writer.mjs <dir> <writer-id> <count> [group]
// Prints "ack <seq> <hash>" after each append resolves (that is, once it is durable).
import { openLedger } from '../dist/index.js';

const [dir, writer, countText, mode] = process.argv.slice(2);
const count = Number(countText);
const ledger = await openLedger(dir, { groupCommit: mode === 'group' });
for (const diagnostic of ledger.recovered) process.stderr.write(`recovered ${diagnostic.code}\n`);
const { runId } = await ledger.startRun({ manifest: { writer } });
const acks = [];
const write = async (n) => {
  const entry =
    n % 3 === 0
      ? await ledger.appendStep(runId, { writer, n, kind: 'tool_call', output: 'x'.repeat(n % 50) })
      : await ledger.append({ type: 'test.appended', body: { writer, n } });
  process.stdout.write(`ack ${entry.seq} ${entry.hash} ${writer} ${n}\n`);
};
if (mode === 'group') {
  for (let n = 0; n < count; n += 16) {
    const batch = [];
    for (let k = n; k < Math.min(count, n + 16); k++) batch.push(write(k));
    acks.push(...(await Promise.all(batch)));
  }
} else {
  for (let n = 0; n < count; n++) await write(n);
}
await ledger.close();
