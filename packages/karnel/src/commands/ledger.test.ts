import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyInclusion } from '@karnel/ledger';
import { describe, expect, it } from 'vitest';
import { runKarnel, useTempDir } from '../../test/run-karnel';

let dir: string;
useTempDir((path) => {
  dir = path;
});

describe('karnel ledger', () => {
  it('appends, logs, verifies, checkpoints and proves', async () => {
    const ledger = join(dir, 'ledger');
    const key = join(dir, 'owner.key');
    await runKarnel(['keys', 'generate', key]);
    const started = await runKarnel(
      ['ledger', 'append', ledger, '-', '--create', '--format', 'json'],
      { stdin: '{"type":"run.started","run_id":"run_cli"}' },
    );
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ seq: 0, type: 'run.started' });
    const input = join(dir, 'records.yaml');
    await writeFile(
      input,
      [
        '- type: run.step',
        '  run_id: run_cli',
        '  step: { kind: tool_call, tool: search }',
        '- type: decision.recorded',
        '  decision_id: dec_cli',
        '  context: { goal: g_subs }',
        '  reasoning: "Because."',
        '- type: coordination.logged',
        '  event: { type: task.dispatched }',
        '- type: approval.requested',
        '  body: { action: publish }',
        '',
      ].join('\n'),
    );
    const appended = await runKarnel(['ledger', 'append', ledger, input, '--key', key]);
    expect(appended.stderr).toBe('');
    expect(appended.code).toBe(0);
    expect(appended.stdout.trim().split('\n')).toHaveLength(4);
    expect(appended.stdout).toMatch(/^appended entry 1 run\.step [0-9a-f]{64}$/m);

    const log = await runKarnel(['ledger', 'log', ledger]);
    expect(log.code).toBe(0);
    expect(
      log.stdout
        .trim()
        .split('\n')
        .map((line) => line.trim().split(/\s+/)[2]),
    ).toEqual([
      'run.started',
      'run.step',
      'decision.recorded',
      'coordination.logged',
      'approval.requested',
    ]);
    const onlyApprovals = await runKarnel([
      'ledger',
      'log',
      ledger,
      '--type',
      'approval',
      '--format',
      'json',
    ]);
    expect(
      onlyApprovals.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).type),
    ).toEqual(['approval.requested']);

    const verified = await runKarnel(['ledger', 'verify', ledger]);
    expect(verified.code).toBe(0);
    expect(verified.stderr).toContain('is intact: 5 entries, 4 signed');

    const checkpointFile = join(dir, 'checkpoint.txt');
    const checkpointed = await runKarnel([
      'ledger',
      'checkpoint',
      ledger,
      '--key',
      key,
      '--output',
      checkpointFile,
    ]);
    expect(checkpointed.code).toBe(0);
    const note = await readFile(checkpointFile, 'utf8');
    expect(note.split('\n')[1]).toBe('5');

    const proved = await runKarnel([
      'ledger',
      'prove',
      ledger,
      '2',
      '--checkpoint',
      checkpointFile,
    ]);
    expect(proved.code).toBe(0);
    const proof = JSON.parse(proved.stdout) as {
      hash: string;
      seq: number;
      size: number;
      path: string[];
      root: string;
    };
    const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
    expect(
      verifyInclusion(
        bytes(proof.hash),
        proof.seq,
        proof.size,
        proof.path.map(bytes),
        bytes(proof.root),
      ),
    ).toBe(true);
    expect(proof.root).toBe(Buffer.from(note.split('\n')[2]!, 'base64').toString('hex'));
    const byHash = await runKarnel(['ledger', 'prove', ledger, proof.hash.slice(0, 12)]);
    expect(JSON.parse(byHash.stdout).seq).toBe(2);

    // Truncation is invisible to the chain, but not to the checkpoint.
    const chainPath = join(ledger, 'chain.jsonl');
    const chain = await readFile(chainPath, 'utf8');
    await writeFile(chainPath, chain.split('\n').slice(0, 3).join('\n') + '\n');
    const truncated = await runKarnel([
      'ledger',
      'verify',
      ledger,
      '--checkpoint',
      checkpointFile,
      '--format',
      'json',
    ]);
    expect(truncated.code).toBe(1);
    const report = JSON.parse(truncated.stdout);
    expect(report).toMatchObject({
      ok: false,
      entries: 3,
      firstBad: { seq: 3, code: 'ledger/truncated' },
    });
  });

  it('refuses every spend.recorded body the treasury would refuse, and appends nothing', async () => {
    const ledger = join(dir, 'ledger');
    await mkdir(ledger);
    const good = {
      at: '2026-05-03T10:00:00Z',
      amount: '0.42',
      currency: 'USD',
      model_class: 'fast-general',
    };
    const appended = await runKarnel(['ledger', 'append', ledger, '-'], {
      stdin: JSON.stringify({ type: 'spend.recorded', body: good }),
    });
    expect(appended.code).toBe(0);
    const before = await readFile(join(ledger, 'chain.jsonl'), 'utf8');
    const bad: unknown[] = ['NaN', '-5', 0.1, '1e3', '0.001', 5];
    for (const amount of bad) {
      const refused = await runKarnel(['ledger', 'append', ledger, '-'], {
        stdin: JSON.stringify([
          { type: 'note.added', body: { first: true } },
          { type: 'spend.recorded', body: { ...good, amount } },
        ]),
      });
      expect(refused.code, `amount ${JSON.stringify(amount)}`).toBe(1);
      expect(refused.stdout).toMatch(
        /<stdin>:\d+:\d+: error ledger\/invalid-record: spend\.recorded refused/,
      );
      expect(refused.stderr).not.toMatch(/^\s+at /m);
    }
    const otherCurrency = await runKarnel(['ledger', 'append', ledger, '-'], {
      stdin: JSON.stringify({ type: 'spend.recorded', body: { ...good, currency: 'usd' } }),
    });
    expect(otherCurrency.code).toBe(1);
    // Not one of the refused batches reached the chain, not even the valid record before the bad one.
    expect(await readFile(join(ledger, 'chain.jsonl'), 'utf8')).toBe(before);
  });

  it('names the first bad entry with file, line and column, and exits 1', async () => {
    const ledger = join(dir, 'ledger');
    await mkdir(ledger);
    for (let index = 0; index < 3; index++) {
      await runKarnel(['ledger', 'append', ledger, '-'], {
        stdin: JSON.stringify({ type: 'note.added', body: { usd: index } }),
      });
    }
    const chainPath = join(ledger, 'chain.jsonl');
    const chain = await readFile(chainPath, 'utf8');
    await writeFile(chainPath, chain.replace('"usd":1', '"usd":7'));
    const verified = await runKarnel(['ledger', 'verify', ledger]);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(/chain\.jsonl:2:\d+: error ledger\/hash-mismatch: entry 1: /);
    expect(verified.stderr).toContain('first bad entry 1 (ledger/hash-mismatch) at line 2');
  });

  it('reports a bad record at its line and column, and a missing ledger as an error, never as intact', async () => {
    const input = join(dir, 'bad.json');
    await writeFile(input, '{\n  "type": "run.step",\n  "run_id": 5,\n  "step": {}\n}\n');
    const bad = await runKarnel(['ledger', 'append', join(dir, 'ledger'), input, '--create']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`${input}:3:13: error`);
    const missing = await runKarnel(['ledger', 'verify', join(dir, 'nothing-here')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `error: ${join(dir, 'nothing-here')}: no such ledger folder or agent or group directory\n`,
    );
    await writeFile(join(dir, 'record.json'), '{"type":"note.added","body":{}}');
    const typo = await runKarnel([
      'ledger',
      'append',
      join(dir, 'ledgr'),
      join(dir, 'record.json'),
    ]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('pass --create');
    await expect(readFile(join(dir, 'ledgr', 'chain.jsonl'))).rejects.toThrow();
    const empty = await runKarnel(['ledger', 'append', join(dir, 'ledger'), '-', '--create'], {
      stdin: '[]',
    });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('empty list');
    const usage = await runKarnel(['ledger', 'verify']);
    expect(usage.code).toBe(2);
  });

  it('archives behind a signed snapshot and still verifies without the archive', async () => {
    const ledger = join(dir, 'ledger');
    await mkdir(ledger);
    const key = join(dir, 'owner.key');
    await runKarnel(['keys', 'generate', key]);
    for (let index = 0; index < 4; index++) {
      await runKarnel(['ledger', 'append', ledger, '-'], {
        stdin: JSON.stringify({ type: 'note.added', body: { usd: index } }),
      });
    }
    const archived = await runKarnel(['ledger', 'archive', ledger, '--key', key]);
    expect(archived.code).toBe(0);
    expect(archived.stdout).toContain(
      'snapshot entry 4; archived 4 entries to archive/chain-000000000000-000000000003.jsonl',
    );
    await rm(join(ledger, 'archive'), { recursive: true });
    const verified = await runKarnel(['ledger', 'verify', ledger]);
    expect(verified.code).toBe(0);
    expect(verified.stderr).toContain('intact: 5 entries, 1 signed');
    const log = await runKarnel(['ledger', 'log', ledger]);
    expect(log.stdout.trim().split('\n')).toHaveLength(1);
  });
});
