import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createManualClock, createSigner } from '@karnel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashEntryBytes } from '../format/entry';
import {
  type LedgerEntry,
  openLedger,
  type VerifyOptions,
  type VerifyReport,
  verifyLedger,
} from '../index';
import { BATCH_LINES } from './ordinary-entries';
import { verifyLedgerWith } from './verify-ledger';

// The byte scanner takes ordinary lines in batches of BATCH_LINES: it scans a batch, then hashes
// its entries, then checks their chunks. A ledger long enough for several batches, with one
// signed entry in the middle (which ends a batch early: the next one starts after it), damaged
// at the first, second and last line of each batch and around the signed entry, in each field
// of the line and in the bytes its chunk committed. Every damaged ledger is verified twice, by
// the scanner (as verifyLedger does) and with every line through the full decoder; the two
// reports must be identical and must name the damaged entry.

const SIGNED_AT = BATCH_LINES + 44;
const COUNT = 2 * BATCH_LINES + 100;

let work: string;
let source: string;
let lines: string[];
let entries: LedgerEntry[];
const files = new Map<string, Buffer>();
let counter = 0;
const owner = createSigner(new Uint8Array(32).fill(9));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'karnel-'));
  source = join(work, 'source');
  const ledger = await openLedger(source, { clock: createManualClock('2026-05-03T00:00:00Z') });
  const { runId, entry } = await ledger.startRun({ runId: 'run_a', manifest: { agent: 'writer' } });
  const all: LedgerEntry[] = [entry];
  for (let index = 1; all.length < COUNT; index++) {
    if (all.length === SIGNED_AT) {
      all.push(
        await ledger.append({ type: 'approval.requested', body: { n: index } }, { signer: owner }),
      );
    } else if (index % 3 === 0) {
      all.push(await ledger.append({ type: 'capability.checked', body: { n: index } }));
    } else if (index % 3 === 1) {
      all.push(await ledger.appendStep(runId, { kind: 'tool_call', tool: 'search', n: index }));
    } else {
      all.push(await ledger.appendCoordination({ type: 'task.dispatched', n: index }));
    }
  }
  await ledger.close();
  entries = all;
  lines = (await readFile(join(source, 'chain.jsonl'), 'utf8')).split('\n').slice(0, -1);
  for (const entry of all) {
    for (const file of entry.files)
      if (!files.has(file.path)) files.set(file.path, await readFile(join(source, file.path)));
  }
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A fresh ledger folder with `chain` as its chain and the data files, edited by `edit`. */
async function materialize(
  chain: string[],
  edit?: (files: Map<string, Buffer>) => void,
): Promise<string> {
  const dir = join(work, `case-${counter++}`);
  const copy = new Map([...files].map(([path, content]) => [path, Buffer.from(content)]));
  edit?.(copy);
  for (const [path, content] of copy) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await writeFile(join(dir, 'chain.jsonl'), chain.map((line) => `${line}\n`).join(''));
  return dir;
}

async function verifyBoth(dir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const scanned = await verifyLedger(dir, options);
  const decoded = await verifyLedgerWith(dir, options, { ordinaryLines: false });
  expect(scanned).toEqual(decoded);
  await rm(dir, { recursive: true, force: true });
  return scanned;
}

/** The lines around each batch boundary, and around the signed entry. */
function linesToDamage(): number[] {
  const indices = new Set<number>([0, 1, COUNT - 1]);
  for (const boundary of [BATCH_LINES, SIGNED_AT, SIGNED_AT + 1, SIGNED_AT + 1 + BATCH_LINES]) {
    for (const index of [boundary - 1, boundary, boundary + 1]) indices.add(index);
  }
  return [...indices].filter((index) => index >= 0 && index < COUNT).sort((a, b) => a - b);
}

/** Another character of the same kind (digit, lowercase letter), so the layout stays canonical. */
function flipped(character: string): string {
  if (/[0-9]/.test(character)) return String((Number(character) + 1) % 10);
  if (/[a-f]/.test(character))
    return character === 'f' ? 'a' : String.fromCharCode(character.charCodeAt(0) + 1);
  if (/[a-z]/.test(character))
    return character === 'z' ? 'y' : String.fromCharCode(character.charCodeAt(0) + 1);
  return character === 'x' ? 'y' : 'x';
}

/**
 * Where each field of `line` has a byte to flip: the last digit of numbers, the first and last
 * digits of hashes, the first byte of the rest.
 */
function fieldPositions(line: string): Record<string, number> {
  const after = (key: string, from = 0) => {
    const at = line.indexOf(key, from);
    return at < 0 ? -1 : at + key.length;
  };
  const lastDigit = (key: string) => {
    let at = after(key);
    while (/[0-9]/.test(line[at + 1] ?? '')) at++;
    return at;
  };
  const positions: Record<string, number> = {
    body: after('"body":{"'),
    prev: after('"prev":"'),
    seq: lastDigit('"seq":'),
    time: after('"time":"') + 3,
    type: after('"type":"'),
    prevLast: after('"prev":"') + 63,
    hash: after('"hash":"'),
    hashLast: after('"hash":"') + 63,
  };
  if (line.includes('"files":[')) {
    positions.offset = lastDigit('"offset":');
    positions.path = after('"path":"');
    positions.sha256 = after('"sha256":"');
    positions.sha256Last = after('"sha256":"') + 63;
    positions.size = lastDigit('"size":');
  }
  return positions;
}

describe('the batched byte scanner', () => {
  it('verifies the untouched ledger like the full decoder', async () => {
    expect(lines).toHaveLength(COUNT);
    const report = await verifyBoth(await materialize(lines));
    expect(report).toMatchObject({ ok: true, entries: COUNT, signed: 1, diagnostics: [] });
    // The Merkle root over the hashes the batches recorded is the one the ledger signs.
    const ledger = await openLedger(source);
    const checkpoint = await ledger.checkpoint(owner);
    await ledger.close();
    const withRoot = await verifyBoth(await materialize(lines), {
      checkpoint,
      trustedKeys: [owner.did],
      root: true,
    });
    expect(withRoot).toMatchObject({ ok: true, entries: COUNT, root: checkpoint.root });
    expect(withRoot.head).toBe(entries[COUNT - 1]!.hash);
  });

  it('catches a flipped byte in each field of a line at every batch boundary', async () => {
    let checked = 0;
    for (const index of linesToDamage()) {
      const line = lines[index]!;
      for (const [field, position] of Object.entries(fieldPositions(line))) {
        expect(position, `${field} of line ${index}`).toBeGreaterThan(0);
        const damaged = [...lines];
        damaged[index] =
          line.slice(0, position) + flipped(line[position]!) + line.slice(position + 1);
        const report = await verifyBoth(await materialize(damaged));
        expect(report.ok, `${field} of line ${index}`).toBe(false);
        // A first line whose hash fails is reported under the seq it claims (a chain may start
        // after archived entries): for a flipped seq there, that is the flipped one.
        const claimed = index === 0 && field === 'seq' ? 1 : index;
        expect(report.firstBad?.seq, `${field} of line ${index}`).toBe(claimed);
        expect(report.firstBad?.line).toBe(index + 1);
        expect(report.entries).toBe(index);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  }, 300_000);

  it('catches the same flips when the forger recomputed the entry hash', async () => {
    for (const index of linesToDamage()) {
      const line = lines[index]!;
      const hashKeyAt = line.lastIndexOf(',"hash":"');
      for (const [field, position] of Object.entries(fieldPositions(line))) {
        if (field.startsWith('hash') || lines[index]!.includes('"signer"')) continue;
        const entryText =
          line.slice('{"entry":'.length, position) +
          flipped(line[position]!) +
          line.slice(position + 1, hashKeyAt);
        const damaged = [...lines];
        damaged[index] =
          `{"entry":${entryText},"hash":"${hashEntryBytes(Buffer.from(entryText))}"}`;
        const report = await verifyBoth(await materialize(damaged));
        // A consistent forgery of the body, time or type is caught where the next entry's prev
        // no longer matches (or, for the last entry, only by a checkpoint held elsewhere).
        if (['body', 'time', 'type'].includes(field)) {
          if (index === COUNT - 1) expect(report.ok).toBe(true);
          else expect(report.firstBad?.seq, `${field} of line ${index}`).toBe(index + 1);
        } else {
          expect(report.firstBad?.seq, `${field} of line ${index}`).toBe(index);
        }
      }
    }
  }, 300_000);

  it('without file checks, still checks the chunks against the chain, and counts only chain bytes', async () => {
    const chainBytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
    // The data files are not read: a changed byte in one is not seen.
    const edited = await verifyBoth(
      await materialize(lines, (copy) => {
        const file = entries[BATCH_LINES]!.files[0]!;
        const content = copy.get(file.path)!;
        content[file.offset] = content[file.offset]! ^ 0x01;
      }),
      { files: false },
    );
    expect(edited).toMatchObject({ ok: true, entries: COUNT, bytes: chainBytes });
    // A chunk that does not continue its file is still refused (hash recomputed).
    for (const index of linesToDamage()) {
      if (entries[index]!.files.length === 0 || lines[index]!.includes('"signer"')) continue;
      const line = lines[index]!;
      const position = fieldPositions(line).offset!;
      const hashKeyAt = line.lastIndexOf(',"hash":"');
      const entryText =
        line.slice('{"entry":'.length, position) +
        flipped(line[position]!) +
        line.slice(position + 1, hashKeyAt);
      const damaged = [...lines];
      damaged[index] = `{"entry":${entryText},"hash":"${hashEntryBytes(Buffer.from(entryText))}"}`;
      const report = await verifyBoth(await materialize(damaged), { files: false });
      expect(report.firstBad?.seq).toBe(index);
      expect(report.firstBad?.code).toBe('ledger/file-conflict');
    }
  });

  it('catches a flipped byte in the bytes each boundary entry committed', async () => {
    let checked = 0;
    for (const index of linesToDamage()) {
      for (const file of entries[index]!.files) {
        const report = await verifyBoth(
          await materialize(lines, (copy) => {
            const content = copy.get(file.path)!;
            const at = file.offset + file.size - 2;
            content[at] = content[at]! ^ 0x01;
          }),
        );
        expect(report.firstBad?.seq).toBe(index);
        expect(report.firstBad?.code).toBe('ledger/file-mismatch');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(5);
  }, 300_000);
});

describe('the batched byte scanner on a data file larger than its read window', () => {
  // Data files are read a megabyte at a time, into memory that the next read reuses: the
  // scanner hashes the chunks it has gathered before it reads on (were it not to, chunks would
  // fail their digests and go to the full decoder, which would still report the same). 60
  // steps of 40 kB each, so that windows are read again in the middle of a batch.
  let big: string;
  let steps: LedgerEntry[];

  beforeAll(async () => {
    big = join(work, 'big');
    const ledger = await openLedger(big, { clock: createManualClock('2026-05-03T00:00:00Z') });
    const { runId } = await ledger.startRun({ runId: 'run_b', manifest: { agent: 'writer' } });
    steps = [];
    for (let index = 0; index < 60; index++) {
      const text = `${index} ${'lorem ipsum '.repeat(3400)}`;
      steps.push(await ledger.appendStep(runId, { kind: 'note', text }));
    }
    await ledger.close();
  }, 120_000);

  /** A copy of the big ledger with byte `at` of its steps file flipped (or untouched). */
  async function copyWithFlip(at?: number): Promise<string> {
    const dir = join(work, `case-${counter++}`);
    const path = 'runs/run_b/steps.jsonl';
    await mkdir(join(dir, 'runs', 'run_b'), { recursive: true });
    for (const file of ['chain.jsonl', 'runs/run_b/manifest.json']) {
      await writeFile(join(dir, file), await readFile(join(big, file)));
    }
    const content = await readFile(join(big, path));
    expect(content.length).toBeGreaterThan(2 * 1024 * 1024);
    if (at !== undefined) content[at] = content[at]! ^ 0x01;
    await writeFile(join(dir, path), content);
    return dir;
  }

  it('verifies the untouched ledger like the full decoder', async () => {
    const report = await verifyBoth(await copyWithFlip());
    expect(report).toMatchObject({ ok: true, entries: 61, diagnostics: [] });
  });

  it('refuses a path one byte away from the path of the chunks before it (hash recomputed)', async () => {
    // Paths already read are recognised by their bytes: a path of the same length that differs
    // in its first or last byte is another path (here, one no entry created, so a conflict).
    const chain = (await readFile(join(big, 'chain.jsonl'), 'utf8')).split('\n').slice(0, -1);
    for (const index of [10, 40]) {
      const line = chain[index]!;
      const pathAt = line.indexOf('"path":"') + '"path":"'.length;
      const pathEnd = line.indexOf('"', pathAt);
      for (const position of [pathAt, pathEnd - 1]) {
        const hashKeyAt = line.lastIndexOf(',"hash":"');
        const entryText =
          line.slice('{"entry":'.length, position) +
          flipped(line[position]!) +
          line.slice(position + 1, hashKeyAt);
        const damaged = [...chain];
        damaged[index] =
          `{"entry":${entryText},"hash":"${hashEntryBytes(Buffer.from(entryText))}"}`;
        const dir = await copyWithFlip();
        await writeFile(join(dir, 'chain.jsonl'), damaged.map((text) => `${text}\n`).join(''));
        const report = await verifyBoth(dir);
        expect(report.firstBad?.seq).toBe(index);
        expect(report.firstBad?.code).toBe('ledger/file-conflict');
      }
    }
  });

  it('catches a flipped byte in every chunk, on both sides of each window boundary', async () => {
    for (const entry of steps) {
      const [file] = entry.files;
      for (const at of [file!.offset, file!.offset + file!.size - 2]) {
        const report = await verifyBoth(await copyWithFlip(at));
        expect(report.firstBad?.seq).toBe(entry.seq);
        expect(report.firstBad?.code).toBe('ledger/file-mismatch');
      }
    }
  }, 300_000);
});
