import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, createSigner } from '@karnel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LedgerEntry, openLedger, verifyLedger } from './index';
import { isVerifyAcceleratorAvailable, loadVerifyAccelerator } from './verify-accelerator';

// The accelerator on a ledger large enough for several read chunks and for the helper thread
// (over 4 MiB of chain), and its two calls on real lines.

const owner = createSigner(new Uint8Array(32).fill(9));
let work: string;
let source: string;
let entries: LedgerEntry[];
let chain: Buffer;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'karnel-accelerator-'));
  source = join(work, 'ledger');
  const ledger = await openLedger(source, {
    clock: createManualClock('2026-06-01T00:00:00Z'),
    groupCommit: { maxBatch: 1024, maxDelayMs: 2 },
  });
  const { runId, entry } = await ledger.startRun({ runId: 'run_big', manifest: { agent: 'a' } });
  const written: LedgerEntry[] = [entry];
  const pending: Promise<LedgerEntry>[] = [];
  for (let index = 1; index < 12_000; index++) {
    const text = `step ${index}: ${'transparency log '.repeat(index % 13)}`;
    if (index % 500 === 250) {
      pending.push(
        ledger.append({ type: 'approval.requested', body: { index } }, { signer: owner }),
      );
    } else if (index % 3 === 0) {
      pending.push(ledger.appendCoordination({ type: 'task.dispatched', task: `t${index}` }));
    } else if (index % 7 === 0) {
      pending.push(ledger.append({ type: 'capability.checked', body: { index, text } }));
    } else {
      pending.push(ledger.appendStep(runId, { kind: 'tool_call', index, text }));
    }
    if (pending.length >= 1024) written.push(...(await Promise.all(pending.splice(0))));
  }
  written.push(...(await Promise.all(pending)));
  entries = written;
  await ledger.close();
  chain = await readFile(join(source, 'chain.jsonl'));
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A copy of the source ledger with `edit` applied to its chain or a data file. */
async function damagedCopy(name: string, path: string, edit: (bytes: Buffer) => void) {
  return damagedCopyOf(source, name, path, edit);
}

/** A copy of the ledger at `from` with `edit` applied to its chain or a data file. */
async function damagedCopyOf(
  from: string,
  name: string,
  path: string,
  edit: (bytes: Buffer) => void,
) {
  const dir = join(work, name);
  const { cp } = await import('node:fs/promises');
  await cp(from, dir, { recursive: true });
  const bytes = await readFile(join(dir, path));
  edit(bytes);
  await writeFile(join(dir, path), bytes);
  return dir;
}

describe('the verification accelerator', () => {
  it('is built in this workspace', () => {
    expect(isVerifyAcceleratorAvailable()).toBe(true);
  });

  it('gives the portable report on a large intact ledger', async () => {
    expect(chain.length).toBeGreaterThan(4 * 1024 * 1024);
    const accelerated = await verifyLedger(source, { root: true });
    const portable = await verifyLedger(source, { root: true, accelerate: false });
    expect(accelerated).toEqual(portable);
    expect(accelerated).toMatchObject({ ok: true, entries: 12_000, signed: 24 });
  });

  it('gives the same reports to verifications running at the same time', async () => {
    // They share the helper thread: each hands it part of a block, and a verification that
    // finds it busy hashes alone.
    const damaged = await damagedCopy('concurrent', 'chain.jsonl', (bytes) => {
      const at = nthNewline(bytes, 5_000) + 50;
      bytes[at] = bytes[at]! ^ 0x01;
    });
    const reports = await Promise.all(
      [source, damaged, source, damaged, source].map((dir) => verifyLedger(dir)),
    );
    for (const report of [reports[0], reports[2], reports[4]]) {
      expect(report).toEqual(await verifyLedger(source, { accelerate: false }));
      expect(report!.ok).toBe(true);
    }
    for (const report of [reports[1], reports[3]]) {
      expect(report!.firstBad).toMatchObject({ seq: 5_000, code: 'ledger/hash-mismatch' });
    }
  });

  it('gives the portable report for damage deep in the chain and in a data file', async () => {
    const victim = entries[9_001]!;
    const chainDir = await damagedCopy('chain-edit', 'chain.jsonl', (bytes) => {
      let start = 0;
      for (let line = 0; line < victim.seq; line++) start = bytes.indexOf(10, start) + 1;
      bytes[start + 30] = bytes[start + 30]! ^ 0x01;
    });
    const chunkOwner = entries.slice(7_000).find((entry) => entry.type === 'run.step')!;
    const file = chunkOwner.files[0]!;
    const fileDir = await damagedCopy('file-edit', file.path, (bytes) => {
      bytes[file.offset + 3] = bytes[file.offset + 3]! ^ 0x01;
    });
    for (const [dir, seq, code] of [
      [chainDir, victim.seq, 'ledger/hash-mismatch'],
      [fileDir, chunkOwner.seq, 'ledger/file-mismatch'],
    ] as const) {
      const accelerated = await verifyLedger(dir);
      expect(accelerated).toEqual(await verifyLedger(dir, { accelerate: false }));
      expect(accelerated.firstBad).toMatchObject({ seq, code });
    }
  });

  it('reads data files a window at a time, chunks larger than a window included', async () => {
    const dir = join(work, 'large-chunks');
    const ledger = await openLedger(dir);
    const { runId } = await ledger.startRun({ runId: 'run_large', manifest: {} });
    const written: LedgerEntry[] = [];
    for (let index = 0; index < 24; index++) {
      // 0.4 to 2.7 MB a step: some fit a 1 MiB window several times, some need a larger one.
      const text = String.fromCharCode(97 + index).repeat(400_000 + index * 100_000);
      written.push(await ledger.appendStep(runId, { index, text }));
    }
    await ledger.close();
    const intact = await verifyLedger(dir);
    expect(intact).toEqual(await verifyLedger(dir, { accelerate: false }));
    expect(intact).toMatchObject({ ok: true, entries: 25 });
    const victim = written[17]!;
    const file = victim.files[0]!;
    const damaged = await damagedCopyOf(dir, 'large-chunks-damaged', file.path, (bytes) => {
      bytes[file.offset + file.size - 10] = 0x21;
    });
    const report = await verifyLedger(damaged);
    expect(report).toEqual(await verifyLedger(damaged, { accelerate: false }));
    expect(report.firstBad).toMatchObject({ seq: victim.seq, code: 'ledger/file-mismatch' });
    // Reported at the start of the chunk: its 18th line.
    expect(report.diagnostics[0]).toMatchObject({ line: 18, column: 1 });
  });

  it('vouches only for ordinary lines whose hashes and chunks it recomputed', async () => {
    const accelerator = loadVerifyAccelerator()!;
    const count = 600; // includes the signed entry at 250 and the run.started entry at 0
    const end = nthNewline(chain, count) + 1;
    const block = Buffer.from(chain.subarray(0, end));
    // Damage entry 100's content: its layout still reads, its hash no longer matches.
    const entry100 = nthNewline(block, 100) + 1;
    block[entry100 + 40] = block[entry100 + 40]! ^ 0x01;
    const lines = new Float64Array(1024 * accelerator.lineColumns);
    const rows = new Float64Array(2048 * accelerator.rowColumns);
    const [lineCount, rowCount, stop] = accelerator.readChainLines(block, 0, end, lines, rows);
    expect([lineCount, stop]).toEqual([count, end]);
    const cell = (line: number, column: number) => lines[line * accelerator.lineColumns + column];
    expect(cell(250, 0)).toBe(0); // signed: the TypeScript side verifies signatures
    expect(cell(1, 0)).toBe(1);
    expect(cell(1, 1)).toBe(1); // its seq

    const steps = await readFile(join(source, 'runs', 'run_big', 'steps.jsonl'));
    const coordination = await readFile(join(source, 'coordination_log.jsonl'));
    const files = [null, steps, coordination];
    const chunks = new Float64Array(rowCount * 4);
    for (let row = 0; row < rowCount; row++) {
      const at = row * accelerator.rowColumns;
      const path = block.toString('latin1', rows[at + 1]!, rows[at + 1]! + rows[at + 2]!);
      chunks.set(
        [
          path.endsWith('steps.jsonl') ? 1 : path === 'coordination_log.jsonl' ? 2 : 0,
          rows[at + 3]!,
          rows[at + 4]!,
          rows[at + 5]!,
        ],
        row * 4,
      );
    }
    // One chunk claims more bytes than its file has.
    const lastStepRow = [...Array(rowCount).keys()].findLast((row) => chunks[row * 4] === 1)!;
    chunks[lastStepRow * 4 + 2] = steps.length;
    const leaves = new Uint8Array(count * 32);
    const chunkOk = new Uint8Array(rowCount);
    accelerator.hashChainBlock(block, lines, lineCount, leaves, files, chunks, rowCount, chunkOk);

    expect(cell(100, 0)).toBe(0); // hash mismatch
    expect(cell(101, 5)).toBe(0); // its successor's prev no longer matches the recomputed hash
    for (const seq of [1, 2, 99, 102, 599]) {
      expect(cell(seq, 0)).toBe(1);
      expect(Buffer.from(leaves.subarray(seq * 32, seq * 32 + 32)).toString('hex')).toBe(
        entries[seq]!.hash,
      );
    }
    expect(cell(2, 5)).toBe(1);
    expect(cell(251, 5)).toBe(0); // the line before it was not hashed here (signed)
    const okRows = [...chunkOk].filter((ok) => ok === 1).length;
    expect(chunkOk[lastStepRow]).toBe(0);
    // Every row but the manifest (file 0: not given) and the oversized one checks out.
    expect(okRows).toBe(rowCount - 2);
  });

  it('is turned off by KARNEL_LEDGER_NATIVE=0', async () => {
    const { execFileSync } = await import('node:child_process');
    const probe = (value: string | undefined) =>
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "import { isVerifyAcceleratorAvailable } from '@karnel/ledger'; console.log(isVerifyAcceleratorAvailable());",
        ],
        {
          cwd: join(import.meta.dirname, '..'),
          env: { ...process.env, KARNEL_LEDGER_NATIVE: value },
          encoding: 'utf8',
        },
      ).trim();
    expect(probe('0')).toBe('false');
    expect(probe(undefined)).toBe('true');
  });

  it('refuses arguments of the wrong kind with a TypeError instead of crashing', () => {
    const accelerator = loadVerifyAccelerator()!;
    expect(() =>
      accelerator.readChainLines(
        'not a buffer' as unknown as Buffer,
        0,
        1,
        new Float64Array(8),
        new Float64Array(8),
      ),
    ).toThrow(TypeError);
    expect(() =>
      accelerator.readChainLines(Buffer.alloc(4), 0, 10, new Float64Array(8), new Float64Array(8)),
    ).toThrow(RangeError);
  });
});

function nthNewline(buffer: Buffer, n: number): number {
  let at = -1;
  for (let line = 0; line < n; line++) at = buffer.indexOf(10, at + 1);
  return at;
}
