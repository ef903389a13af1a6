import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger } from '@karnel/ledger';
import { expect, it } from 'vitest';
import { bin } from '../test/run-karnel';

it('ends quietly when the reader closes the pipe early (karnel … | head)', async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'karnel-')), 'ledger');
  const ledger = await openLedger(dir);
  // About 1 MB of log, far more than a pipe buffers.
  await Promise.all(
    Array.from({ length: 2000 }, (_, index) =>
      ledger.append({ type: 'note.written', body: { text: `note ${index} ${'x'.repeat(300)}` } }),
    ),
  );
  await ledger.close();

  const child = spawn(process.execPath, [bin, 'ledger', 'log', dir, '--format', 'json']);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // Read the first chunk, then close the pipe as `head` does.
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(stderr).toBe('');
  expect(code).toBe(0);
});
