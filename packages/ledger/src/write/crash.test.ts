import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '@karnel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LedgerEntry, openLedger, verifyLedger } from '../index';

const writer = join(import.meta.dirname, '..', '..', 'test', 'writer.mjs');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Ack {
  seq: number;
  hash: string;
  writer: string;
  n: number;
}

/** Runs the writer script; resolves with its acknowledgements when it exits or is killed. */
function runWriter(
  ledgerDir: string,
  id: string,
  count: number,
  { killAfterAckMs, group = false }: { killAfterAckMs?: number; group?: boolean } = {},
): Promise<{ acks: Ack[]; signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [writer, ledgerDir, id, String(count), group ? 'group' : 'single'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      // Kill a while after the first acknowledgement, so the kill lands in the middle of the loop.
      if (killAfterAckMs !== undefined && !timer && stdout.includes('\n')) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterAckMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Only complete lines were acknowledged; a line cut by the kill is not an acknowledgement.
      const acks = stdout
        .split('\n')
        .slice(0, -1)
        .filter((line) => line.startsWith('ack '))
        .map((line) => {
          const [, seq, hash, id_, n] = line.split(' ');
          return { seq: Number(seq), hash: hash!, writer: id_!, n: Number(n) };
        });
      resolve({ acks, signal, code, stderr });
    });
  });
}

async function readAll(ledgerDir: string): Promise<LedgerEntry[]> {
  const ledger = await openLedger(ledgerDir);
  const all: LedgerEntry[] = [];
  for await (const entry of ledger.entries()) all.push(entry);
  await ledger.close();
  return all;
}

describe('crashes', () => {
  it('a writer killed with SIGKILL at random moments never loses an acknowledged entry', async () => {
    const acknowledged: Ack[] = [];
    let killed = 0;
    for (let round = 0; round < 12; round++) {
      const result = await runWriter(dir, `w${round}`, 100_000, {
        killAfterAckMs: (round * 37) % 150,
        group: round % 2 === 1,
      });
      if (result.signal === 'SIGKILL') killed++;
      acknowledged.push(...result.acks);
      // Reopening recovers (a torn tail is dropped and reported), and the ledger verifies.
      const entries = await readAll(dir);
      const bySeq = new Map(entries.map((entry) => [entry.seq, entry.hash]));
      for (const ack of acknowledged) expect(bySeq.get(ack.seq)).toBe(ack.hash);
      const report = await verifyLedger(dir);
      expect(report.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual(
        [],
      );
      expect(report.ok).toBe(true);
    }
    expect(killed).toBeGreaterThan(6);
    expect(acknowledged.length).toBeGreaterThan(0);
  }, 600_000);

  it('a torn last record at every byte offset is dropped on open, reported, and the ledger goes on', async () => {
    const ledger = await openLedger(dir, { clock: createManualClock('2026-05-03T00:00:00Z') });
    const { runId } = await ledger.startRun({ runId: 'run_torn' });
    for (let index = 0; index < 5; index++) await ledger.appendStep(runId, { n: index });
    const last = await ledger.appendStep(runId, { n: 5, note: 'the record that will be torn' });
    await ledger.close();
    const chainPath = join(dir, 'chain.jsonl');
    const chain = await readFile(chainPath);
    const steps = await readFile(join(dir, 'runs', runId, 'steps.jsonl'));
    const lastStart = chain.lastIndexOf(10, chain.length - 2) + 1;
    expect(chain.length - lastStart).toBeGreaterThan(200);
    for (let cut = lastStart + 1; cut < chain.length; cut++) {
      await writeFile(chainPath, chain.subarray(0, cut));
      await writeFile(join(dir, 'runs', runId, 'steps.jsonl'), steps);
      const before = await verifyLedger(dir);
      expect(before.ok).toBe(true);
      expect(before.entries).toBe(last.seq);
      expect(before.diagnostics.map((diagnostic) => diagnostic.code)).toContain('ledger/torn-tail');
      const reopened = await openLedger(dir);
      expect(reopened.recovered.map((diagnostic) => diagnostic.code)).toEqual(['ledger/torn-tail']);
      expect((await stat(chainPath)).size).toBe(lastStart);
      // The step's bytes were written before the torn entry: the next append replaces them.
      const next = await reopened.appendStep(runId, { n: 'after' });
      expect(next.seq).toBe(last.seq);
      await reopened.close();
      const after = await verifyLedger(dir);
      expect(after.diagnostics).toEqual([]);
      expect(after.entries).toBe(last.seq + 1);
      await writeFile(chainPath, chain);
    }
  }, 600_000);

  it('damage that is not a torn append is never dropped: the writer refuses to open', async () => {
    const ledger = await openLedger(dir);
    await ledger.append({ type: 'test.one', body: {} });
    await ledger.close();
    const chainPath = join(dir, 'chain.jsonl');
    const chain = await readFile(chainPath);
    await writeFile(
      chainPath,
      Buffer.concat([chain.subarray(0, chain.length - 1), Buffer.from('x')]),
    );
    await expect(openLedger(dir)).rejects.toThrow(/not a complete or partial entry/);
    expect((await verifyLedger(dir)).firstBad).toMatchObject({ seq: 0 });
    await truncate(chainPath, chain.length - 1);
    expect((await verifyLedger(dir)).ok).toBe(true);
  });
});

describe('concurrency', () => {
  it('8 processes appending 1,000 entries each produce 8,000 entries in one valid chain', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        runWriter(dir, `p${index}`, 1000, { group: index % 2 === 1 }),
      ),
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const entries = await readAll(dir);
    // Each writer also wrote one run.started entry.
    expect(entries.length).toBe(8 * 1001);
    const report = await verifyLedger(dir);
    expect(report.diagnostics).toEqual([]);
    expect(report).toMatchObject({ ok: true, entries: 8008 });
    const bySeq = new Map(entries.map((entry) => [entry.seq, entry]));
    for (const result of results) {
      expect(result.acks).toHaveLength(1000);
      for (const ack of result.acks) expect(bySeq.get(ack.seq)?.hash).toBe(ack.hash);
      // Every record of every writer is there exactly once: generic entries carry their number
      // in the body, steps in the run's steps.jsonl.
      const id = result.acks[0]!.writer;
      const generic = entries
        .filter((entry) => entry.body.writer === id)
        .map((entry) => entry.body.n as number);
      const runId = entries.find(
        (entry) =>
          entry.type === 'run.step' && entry.hash === result.acks.find((ack) => ack.n === 0)!.hash,
      )!.body.run_id as string;
      const steps = (await readFile(join(dir, 'runs', runId, 'steps.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { n: number }).n);
      expect([...generic, ...steps].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 1000 }, (_, n) => n),
      );
    }
  }, 600_000);
});
