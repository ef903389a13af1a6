import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, createSigner, generateKeyPair } from '@karnel/core';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeEntry, GENESIS_PREV, hashEntryBytes } from '../format/entry';
import {
  type Checkpoint,
  type LedgerEntry,
  openLedger,
  type VerifyOptions,
  verifyLedger,
} from '../index';
import { verifyLedgerWith } from './verify-ledger';

// One 100-entry ledger, built once; each test copies its chain and files into a fresh folder,
// damages the copy and checks that verification names the right entry. Every verification runs
// twice, with ordinary lines read by the byte scanner (as verifyLedger does) and with every line
// through the full decoder, and the two reports must be identical.

async function verifyBoth(dir: string, options: VerifyOptions = {}) {
  const scanned = await verifyLedger(dir, options);
  const decoded = await verifyLedgerWith(dir, options, { ordinaryLines: false });
  expect(scanned).toEqual(decoded);
  return scanned;
}

const owner = createSigner(new Uint8Array(32).fill(7));
let source: string;
let work: string;
let lines: string[];
let entries: LedgerEntry[];
let checkpoint: Checkpoint;
const files = new Map<string, Buffer>();

async function build(): Promise<void> {
  const ledger = await openLedger(source, { clock: createManualClock('2026-05-03T00:00:00Z') });
  const all: LedgerEntry[] = [];
  const { runId, entry } = await ledger.startRun({ runId: 'run_a', manifest: { agent: 'writer' } });
  all.push(entry);
  for (let index = 0; all.length < 100; index++) {
    switch (index % 6) {
      case 0:
      case 1:
      case 2:
        all.push(await ledger.appendStep(runId, { kind: 'tool_call', tool: 'search', n: index }));
        break;
      case 3:
        all.push(await ledger.appendCoordination({ type: 'task.dispatched', n: index }));
        break;
      case 4:
        all.push(
          await ledger.append(
            { type: 'approval.requested', body: { n: index } },
            { signer: owner },
          ),
        );
        break;
      default:
        all.push(
          (
            await ledger.recordDecision({
              decisionId: `dec_${index}`,
              context: { n: index },
              reasoning: `because ${index}`,
            })
          ).entry,
        );
    }
  }
  await ledger.close();
  entries = all;
  lines = (await readFile(join(source, 'chain.jsonl'), 'utf8')).split('\n').slice(0, -1);
  checkpoint = await (await openLedger(source)).checkpoint(owner);
  for (const entry of all) {
    for (const file of entry.files)
      if (!files.has(file.path)) files.set(file.path, await readFile(join(source, file.path)));
  }
}

let shared: string | undefined;

/**
 * A ledger folder holding `chainLines` as its chain. Without `edit`, one shared folder with the
 * original data files is reused (only its chain is rewritten); with `edit`, a fresh folder gets
 * the edited files.
 */
async function materialize(
  chainLines: string[],
  edit?: (files: Map<string, Buffer>) => void,
): Promise<string> {
  if (!edit && shared) {
    await writeFile(join(shared, 'chain.jsonl'), chainLines.map((line) => `${line}\n`).join(''));
    return shared;
  }
  const dir = await mkdtemp(join(work, 'case-'));
  if (!edit) shared = dir;
  const copy = new Map([...files].map(([path, content]) => [path, Buffer.from(content)]));
  edit?.(copy);
  for (const [path, content] of copy) {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await writeFile(join(dir, 'chain.jsonl'), chainLines.map((line) => `${line}\n`).join(''));
  return dir;
}

function expectFirstBad(
  report: Awaited<ReturnType<typeof verifyLedger>>,
  seq: number,
  line?: number,
): void {
  expect(report.ok).toBe(false);
  expect(report.firstBad?.seq).toBe(seq);
  if (line !== undefined) expect(report.firstBad?.line).toBe(line);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'karnel-'));
  source = join(work, 'source');
  await build();
});
// Each test gets a shared folder of its own: a test still running after its timeout (on a
// badly overloaded machine) must not rewrite the chain another test is verifying.
beforeEach(() => {
  shared = undefined;
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the untouched ledger', () => {
  it('verifies, with and without the checkpoint', async () => {
    const dir = await materialize(lines);
    expect(await verifyBoth(dir)).toMatchObject({ ok: true, entries: 100, diagnostics: [] });
    const report = await verifyBoth(dir, { checkpoint, trustedKeys: [owner.did], root: true });
    expect(report).toMatchObject({ ok: true, entries: 100, root: checkpoint.root });
  });
});

describe('every mutation of the chain is detected at the entry it hits', () => {
  it('edits of any byte of an entry with its hash recomputed: the byte scanner agrees with the decoder', async () => {
    // A forger who recomputes the hash gets past the hash check, so only the layout checks
    // stand between the edit and the chain: the scanner must refuse whatever the decoder
    // refuses. Every byte of an ordinary step line (with a committed chunk) and of an
    // ordinary coordination line, replaced by bytes that matter to a JSON scanner.
    const replacements = ['0', 'a', '"', '\\', ' ', '}', ']', ',', '.', '\u0001', '\n', 'é'];
    const ordinary = [1, entries.findIndex((entry) => entry.type === 'coordination.logged')];
    for (const index of ordinary) {
      const line = lines[index]!;
      const hashKeyAt = line.lastIndexOf(',"hash":"');
      for (let position = '{"entry":'.length; position < hashKeyAt; position++) {
        for (const replacement of replacements) {
          if (line[position] === replacement) continue;
          const entryText =
            line.slice('{"entry":'.length, position) +
            replacement +
            line.slice(position + 1, hashKeyAt);
          const hash = hashEntryBytes(Buffer.from(entryText));
          const damaged = [...lines];
          damaged[index] = `{"entry":${entryText},"hash":"${hash}"}`;
          // verifyBoth compares the two reports; some edits are only caught at the next entry.
          const report = await verifyBoth(await materialize(damaged));
          expect(report.ok).toBe(false);
        }
      }
    }
  }, 600_000);

  it('edits of one byte anywhere in any line (sampled positions of every line)', async () => {
    for (let index = 0; index < 100; index++) {
      const line = lines[index]!;
      // The framing, the middle of the content, the stored hash and the closing brace.
      const positions = new Set([
        0,
        Math.floor(line.length / 2),
        line.indexOf(',"hash":"') + 20,
        line.length - 1,
      ]);
      for (const position of positions) {
        const original = line.charCodeAt(position);
        const replacement = original === 0x30 ? '1' : '0';
        const damaged = [...lines];
        damaged[index] = line.slice(0, position) + replacement + line.slice(position + 1);
        const report = await verifyBoth(await materialize(damaged));
        expectFirstBad(report, index, index + 1);
      }
    }
  }, 180_000); // 800 verifications: room for an overloaded machine

  it('edits of one byte at random positions, to random bytes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 99 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.integer({ min: 1, max: 255 }),
        async (index, where, delta) => {
          const chain = Buffer.from(lines.map((line) => `${line}\n`).join(''));
          const start = lines
            .slice(0, index)
            .reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
          const length = Buffer.byteLength(lines[index]!) + 1;
          const position = start + Math.floor(where * length);
          chain[position] = (chain[position]! + delta) % 256;
          const dir = await materialize([]);
          await writeFile(join(dir, 'chain.jsonl'), chain);
          const report = await verifyBoth(dir);
          expect(report.ok).toBe(false);
          expect(report.firstBad?.seq).toBe(index);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('deleting any line (the last one through the checkpoint held elsewhere)', async () => {
    for (let index = 0; index < 100; index++) {
      const damaged = lines.filter((_, position) => position !== index);
      const report = await verifyBoth(await materialize(damaged), { checkpoint });
      expectFirstBad(report, index, index + 1);
      if (index < 99) expect(report.firstBad?.code).toBe('ledger/missing-entry');
      else expect(report.firstBad?.code).toBe('ledger/truncated');
    }
  });

  it('inserting a copy of another line at any position', async () => {
    for (let index = 0; index <= 100; index++) {
      const copied = lines[(index + 37) % 100]!;
      const damaged = [...lines.slice(0, index), copied, ...lines.slice(index)];
      const report = await verifyBoth(await materialize(damaged));
      expectFirstBad(report, index, index + 1);
    }
  });

  it('inserting a forged entry: caught at the displaced entry, or by required signatures', async () => {
    const forger = createSigner(generateKeyPair().secretKey);
    for (let index = 0; index <= 100; index++) {
      // The forger builds a valid-looking entry chained to the entry before the insertion.
      const forgedLine = encodeEntry(
        {
          seq: index,
          prev: index === 0 ? GENESIS_PREV : entries[index - 1]!.hash,
          time: '2026-05-04T00:00:00.000Z',
          type: 'approval.approved',
          body: { forged: true },
          files: [],
          signer: forger.did,
        },
        (message) => forger.sign(message),
      )
        .line.toString('utf8')
        .trimEnd();
      const damaged = [...lines.slice(0, index), forgedLine, ...lines.slice(index)];
      const dir = await materialize(damaged);
      if (index < 100) {
        const report = await verifyBoth(dir);
        expectFirstBad(report, index + 1, index + 2);
      }
      const strict = await verifyBoth(dir, { trustedKeys: [owner.did] });
      expectFirstBad(strict, index, index + 1);
      expect(strict.firstBad?.code).toBe('ledger/untrusted-signer');
    }
  });

  it('swapping any two neighbouring lines', async () => {
    for (let index = 0; index < 99; index++) {
      const damaged = [...lines];
      [damaged[index], damaged[index + 1]] = [damaged[index + 1]!, damaged[index]!];
      const report = await verifyBoth(await materialize(damaged));
      expectFirstBad(report, index, index + 1);
    }
  });

  it('duplicating any line', async () => {
    for (let index = 0; index < 100; index++) {
      const damaged = [...lines.slice(0, index + 1), lines[index]!, ...lines.slice(index + 1)];
      const report = await verifyBoth(await materialize(damaged));
      expectFirstBad(report, index + 1, index + 2);
      expect(report.firstBad?.code).toBe('ledger/duplicate-entry');
    }
  });
});

describe('every change to a committed file is detected at the entry that committed it', () => {
  it('editing one byte of the bytes any entry committed', async () => {
    let checked = 0;
    for (const entry of entries) {
      for (const file of entry.files) {
        if (file.size === 0) continue;
        const report = await verifyBoth(
          await materialize(lines, (copy) => {
            const content = copy.get(file.path)!;
            const at = file.offset + Math.floor(file.size / 2);
            content[at] = content[at]! ^ 0x01;
          }),
        );
        expectFirstBad(report, entry.seq);
        expect(report.firstBad?.code).toBe('ledger/file-mismatch');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('removing a file: reported at the first entry that wrote to it', async () => {
    for (const path of files.keys()) {
      const first = entries.find((entry) => entry.files.some((file) => file.path === path))!;
      const dir = await materialize(lines, () => undefined);
      await unlink(join(dir, path));
      const report = await verifyBoth(dir);
      expectFirstBad(report, first.seq);
      expect(report.firstBad?.code).toBe('ledger/file-missing');
    }
  });

  it('truncating an append-only file, or adding bytes to a whole file', async () => {
    const steps = 'runs/run_a/steps.jsonl';
    const lastStep = entries
      .filter((entry) => entry.files.some((file) => file.path === steps))
      .at(-1)!;
    const truncated = await verifyBoth(
      await materialize(lines, (copy) =>
        copy.set(steps, copy.get(steps)!.subarray(0, copy.get(steps)!.length - 1)),
      ),
    );
    expectFirstBad(truncated, lastStep.seq);
    const manifest = 'runs/run_a/manifest.json';
    const grown = await verifyBoth(
      await materialize(lines, (copy) =>
        copy.set(manifest, Buffer.concat([copy.get(manifest)!, Buffer.from(' ')])),
      ),
    );
    expectFirstBad(grown, 0);
  });

  it('bytes appended to an append-only file and files no entry committed are reported, never trusted', async () => {
    const dir = await materialize(lines, (copy) => {
      copy.set(
        'coordination_log.jsonl',
        Buffer.concat([copy.get('coordination_log.jsonl')!, Buffer.from('{"x":1}\n')]),
      );
      copy.set('runs/run_b/manifest.json', Buffer.from('{}'));
    });
    const report = await verifyBoth(dir);
    expect(report.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.severity])).toEqual([
      ['ledger/uncommitted-data', 'warning'],
      ['ledger/uncommitted-file', 'warning'],
    ]);
  });
});
