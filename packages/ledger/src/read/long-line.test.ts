import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerIntegrityError, LedgerStateError } from '../errors';
import { MAX_ENTRY_LINE_BYTES } from '../format/entry';
import { verifyLedger } from '../verify/verify-ledger';
import { openLedger } from '../write/file-ledger';
import { readLedgerEntries } from './read-entries';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-long-line-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<LedgerIntegrityError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!LedgerIntegrityError.isInstance(error)) throw new Error(`expected a refusal, got ${error}`);
  return error;
}

describe('a chain line longer than any entry may be', () => {
  it('is refused when appended; the ledger goes on', async () => {
    const ledger = await openLedger(dir);
    await ledger.append({ type: 'test.note', body: { n: 1 } });
    const huge = 'x'.repeat(MAX_ENTRY_LINE_BYTES);
    const error = await ledger
      .append({ type: 'test.note', body: { text: huge } })
      .catch((caught: unknown) => caught);
    expect(LedgerStateError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('commit large content as a file of the entry');
    await ledger.append({ type: 'test.note', body: { n: 2 } });
    await ledger.close();
    const report = await verifyLedger(dir);
    expect(report.ok).toBe(true);
    expect(report.entries).toBe(2);
  });

  it('is read as malformed at its line, with the lines after it never trusted', async () => {
    const ledger = await openLedger(dir);
    await ledger.append({ type: 'test.note', body: { n: 1 } });
    await ledger.append({ type: 'test.note', body: { n: 2 } });
    await ledger.close();
    // 40 MiB of junk as line 3 (ten chunks of the reader), then a short line.
    const chain = join(dir, 'chain.jsonl');
    const block = '{'.repeat(4 * 1024 * 1024);
    for (let index = 0; index < 10; index++) await appendFile(chain, block);
    await appendFile(chain, '\n{"entry":{}}\n');

    const error = await refusal(
      (async () => {
        for await (const _entry of readLedgerEntries(dir)) {
          // read them all
        }
      })(),
    );
    expect(error.diagnostics[0]?.file).toMatch(/chain\.jsonl$/);
    expect(error.diagnostics[0]).toMatchObject({
      line: 3,
      column: 1,
      code: 'ledger/malformed-entry',
    });
    expect(error.diagnostics[0]?.message).toContain(`longer than ${MAX_ENTRY_LINE_BYTES} bytes`);
    const report = await verifyLedger(dir);
    expect(report.ok).toBe(false);
    expect(
      report.diagnostics.map((diagnostic) => [diagnostic.line, diagnostic.code]),
    ).toContainEqual([3, 'ledger/malformed-entry']);
  });
});
