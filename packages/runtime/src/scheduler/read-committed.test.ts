import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessage } from '@karnel/coordination';
import { LedgerIntegrityError, openLedger } from '@karnel/ledger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLedgerHistory } from './ledger-history';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-committed-'));
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

describe('files the ledger committed, as the scheduler reads them', () => {
  it('a message edited after it was committed stops the scheduler, naming the file and the entry', async () => {
    const ledger = await openLedger(dir);
    const message = createMessage({
      from: 'researcher',
      to: 'writer',
      type: 'info',
      payload: { text: 'Three findings for issue 5.' },
    });
    const entry = await ledger.appendCoordination(message as unknown as Record<string, unknown>);
    await ledger.close();
    const history = createLedgerHistory(dir);
    await history.refresh();
    expect(history.members.get('writer')?.pending.map((item) => item.ref)).toEqual([message.id]);

    // Someone rewrites who the message is for, keeping its length.
    const log = join(dir, 'coordination_log.jsonl');
    const text = await readFile(log, 'utf8');
    await writeFile(log, text.replace('"writer"', '"critic"'));
    const error = await refusal(createLedgerHistory(dir).refresh());
    expect(error.diagnostics[0]).toMatchObject({
      file: 'coordination_log.jsonl',
      code: 'ledger/file-mismatch',
    });
    expect(error.diagnostics[0]?.message).toContain(`ledger entry ${entry.seq}`);

    await rm(log);
    const missing = await refusal(createLedgerHistory(dir).refresh());
    expect(missing.diagnostics[0]).toMatchObject({ code: 'ledger/file-missing' });
  });
});
