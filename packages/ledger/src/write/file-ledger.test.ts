import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AuditLog,
  type CommittedEntry,
  createManualClock,
  createSigner,
  generateKeyPair,
  type LedgerPort,
  type LedgerReader,
} from '@karnel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerIntegrityError, LedgerStateError, openLedger, verifyLedger } from '../index';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openLedger', () => {
  it('opens a missing folder as an empty ledger and creates nothing until the first append', async () => {
    const ledger = await openLedger(join(dir, 'missing', 'ledger'));
    const entries = [];
    for await (const entry of ledger.entries()) entries.push(entry);
    expect(entries).toEqual([]);
    // Verification of a path that holds nothing is an error, never an intact empty ledger.
    const report = await verifyLedger(join(dir, 'missing', 'ledger'));
    expect(report).toMatchObject({ ok: false, entries: 0 });
    expect(report.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['ledger/not-found']);
    await expect(readFile(join(dir, 'missing', 'ledger', 'chain.jsonl'))).rejects.toThrow();
  });

  it('satisfies the ledger port of @karnel/core: append, and committed entries read back', async () => {
    const ledger = await openLedger(join(dir, 'ledger'));
    // Compile-time: the ledger is a LedgerPort, its entries are CommittedEntry values.
    const port: LedgerPort = ledger;
    const reader: LedgerReader = ledger;
    const audit: AuditLog = ledger;
    await audit.append({ type: 'spend.recorded', body: { usd: '0.42' } });
    await port.append({ type: 'approval.approved', body: { request: 'apr_1' } });
    const seen: CommittedEntry[] = [];
    for await (const entry of reader.entries()) seen.push(entry);
    expect(seen.map(({ seq, type, body }) => ({ seq, type, body }))).toEqual([
      { seq: 0, type: 'spend.recorded', body: { usd: '0.42' } },
      { seq: 1, type: 'approval.approved', body: { request: 'apr_1' } },
    ]);
    expect(seen[1]!.hash).toMatch(/^[0-9a-f]{64}$/);
    await ledger.close();
  });

  it('writes runs, steps, decisions, outcomes and coordination events as the spec lays them out', async () => {
    const clock = createManualClock('2026-05-03T10:00:00Z');
    const ledgerDir = join(dir, 'ledger');
    const ledger = await openLedger(ledgerDir, { clock });
    const { runId, entry: started } = await ledger.startRun({
      manifest: { agent: 'writer', trigger: 'schedule' },
    });
    expect(started).toMatchObject({
      seq: 0,
      type: 'run.started',
      body: { run_id: runId },
      time: '2026-05-03T10:00:00.000Z',
    });
    const step = await ledger.appendStep(runId, {
      kind: 'tool_call',
      tool: 'search',
      cost_usd: 0.01,
    });
    expect(step).toMatchObject({ seq: 1, type: 'run.step', prev: started.hash });
    await ledger.appendStep(runId, { kind: 'decision', text: 'draft' });
    await ledger.finishRun(runId, { status: 'succeeded' });
    await expect(ledger.appendStep(runId, { kind: 'late' })).rejects.toSatisfy(
      LedgerStateError.isInstance,
    );
    const { decisionId } = await ledger.recordDecision({
      context: { goal: 'g_subs' },
      reasoning: '# Why\nBecause.\n',
    });
    await ledger.recordOutcome({ decisionId, outcome: { result: 'more subscribers' } });
    await expect(
      ledger.recordOutcome({ decisionId, outcome: { result: 'again' } }),
    ).rejects.toSatisfy(LedgerStateError.isInstance);
    await ledger.recordOutcome({ goals: ['g_subs'], outcome: { subscribers: 120 } });
    await ledger.appendCoordination({ type: 'task.dispatched', from: 'strategist', to: 'writer' });
    const approval = await ledger.append({
      type: 'approval.requested',
      body: { action: 'publish' },
    });
    expect(approval.type).toBe('approval.requested');
    await ledger.close();

    const steps = await readFile(join(ledgerDir, 'runs', runId, 'steps.jsonl'), 'utf8');
    expect(
      steps
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { cost_usd: 0.01, kind: 'tool_call', tool: 'search' },
      { kind: 'decision', text: 'draft' },
    ]);
    expect(
      JSON.parse(await readFile(join(ledgerDir, 'runs', runId, 'manifest.json'), 'utf8')),
    ).toMatchObject({
      id: runId,
      agent: 'writer',
    });
    expect(await readFile(join(ledgerDir, 'runs', runId, 'outcome.yaml'), 'utf8')).toContain(
      'status: succeeded',
    );
    expect(await readFile(join(ledgerDir, 'decisions', decisionId, 'reasoning.md'), 'utf8')).toBe(
      '# Why\nBecause.\n',
    );
    expect(
      await readFile(join(ledgerDir, 'decisions', decisionId, 'outcome.yaml'), 'utf8'),
    ).toContain('more subscribers');

    const report = await verifyLedger(ledgerDir);
    expect(report.diagnostics).toEqual([]);
    expect(report).toMatchObject({ ok: true, entries: 9 });

    const reopened = await openLedger(ledgerDir);
    const types: string[] = [];
    for await (const entry of reopened.entries()) types.push(entry.type);
    expect(types).toEqual([
      'run.started',
      'run.step',
      'run.step',
      'run.finished',
      'decision.recorded',
      'decision.outcome',
      'outcome.recorded',
      'coordination.logged',
      'approval.requested',
    ]);
    await expect(reopened.finishRun(runId, {})).rejects.toSatisfy(LedgerStateError.isInstance);
  });

  it('signs entries with the ledger signer and verification checks trusted keys', async () => {
    const owner = createSigner(generateKeyPair().secretKey);
    const stranger = createSigner(generateKeyPair().secretKey);
    const ledger = await openLedger(dir, { signer: owner });
    const entry = await ledger.append({ type: 'grant.issued', body: { capability: 'fs.read' } });
    expect(entry.signer).toBe(owner.did);
    expect(entry.signature?.did).toBe(owner.did);
    await ledger.append({ type: 'safe_mode.entered', body: {} }, { signer: stranger });
    expect(await verifyLedger(dir)).toMatchObject({ ok: true, signed: 2 });
    const report = await verifyLedger(dir, { trustedKeys: [owner.did] });
    expect(report.ok).toBe(false);
    expect(report.firstBad).toMatchObject({ seq: 1, code: 'ledger/untrusted-signer' });
  });

  it('refuses to append to a damaged chain', async () => {
    const ledger = await openLedger(dir);
    await ledger.append({ type: 'spend.recorded', body: { usd: 1 } });
    await ledger.append({ type: 'spend.recorded', body: { usd: 2 } });
    const chain = join(dir, 'chain.jsonl');
    const text = await readFile(chain, 'utf8');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(chain, text.replace('"usd":1', '"usd":9'));
    await expect(openLedger(dir)).rejects.toSatisfy(LedgerIntegrityError.isInstance);
  });

  it('handles entries larger than the read buffers and many chunks of lines', async () => {
    const ledger = await openLedger(dir, { groupCommit: true });
    const big = 'x'.repeat(600_000);
    const written = [];
    for (let index = 0; index < 3; index++) {
      written.push(ledger.append({ type: 'test.big', body: { big, index } }));
      for (let small = 0; small < 4000; small++) {
        written.push(
          ledger.append({ type: 'test.small', body: { index, small, pad: 'y'.repeat(900) } }),
        );
      }
    }
    await Promise.all(written);
    await ledger.close();
    const report = await verifyLedger(dir);
    expect(report.diagnostics).toEqual([]);
    expect(report.entries).toBe(3 * 4001);
    const seen: number[] = [];
    for await (const entry of (await openLedger(dir)).entries({ type: 'test.big' })) {
      expect((entry.body.big as string).length).toBe(600_000);
      seen.push(entry.seq);
    }
    expect(seen).toEqual([0, 4001, 8002]);
  });
});
