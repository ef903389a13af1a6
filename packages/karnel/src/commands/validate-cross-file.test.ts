import { appendFile, cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLedgerArchive, createMessage } from '@karnel/coordination';
import type { Diagnostic } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { beforeAll, describe, expect, it } from 'vitest';
import { type KarnelRun, makeTempDir, mistakeMarkers, runKarnel } from '../../test/run-karnel';

const fixture = fileURLToPath(new URL('../../test/fixtures/cross-file-group', import.meta.url));

/** The mistake {@link copyWithLedger} adds to the episodic log, where no comment can mark it. */
const episodicMistake = 'cross-file-group/memory/episodic.jsonl:2 time/invalid';

/**
 * Copies the fixture, appends an episode whose time is not a timestamp, and gives the group a
 * real ledger holding three archived messages.
 */
async function copyWithLedger(): Promise<string> {
  const root = await makeTempDir();
  const group = join(root, 'cross-file-group');
  await cp(fixture, group, { recursive: true });
  await appendFile(
    join(group, 'memory', 'episodic.jsonl'),
    '{"id":"epi_01KQKV7600RND6YXCDMS4FTSCQ","at":"yesterday","kind":"note","text":"Build fixed.","actor":"builder"}\n',
  );
  const ledger = await openLedger(join(group, 'ledger'));
  const archive = createLedgerArchive({ ledger });
  const task = createMessage({
    type: 'task',
    from: 'lead',
    to: 'builder',
    payload: { title: 'Build 0.9' },
  });
  await archive.archive(task);
  await archive.archive(
    createMessage({
      type: 'review',
      from: 'builder',
      to: 'lead',
      payload: { task: task.id, step: 0, action: 'build', verdict: 'approve', blocking: false },
    }),
  );
  await archive.archive(
    createMessage({ type: 'info', from: 'lead', to: 'owner_human', payload: { text: 'green' } }),
  );
  await ledger.close();
  return root;
}

/** Errors and warnings of a JSON run, as `file:line code`. */
function findings(run: KarnelRun): string[] {
  return (JSON.parse(run.stdout) as Diagnostic[])
    .filter((diagnostic) => diagnostic.severity !== 'info')
    .map((diagnostic) => `${diagnostic.file}:${diagnostic.line} ${diagnostic.code}`)
    .sort();
}

describe('karnel validate finds mistakes that span files', () => {
  let expected: string[];
  beforeAll(async () => {
    expected = await mistakeMarkers(fixture, 'cross-file-group');
    expect(expected.length).toBeGreaterThanOrEqual(8);
  });

  it('reports each marked mistake once, at its file and line, and nothing else', async () => {
    const root = await copyWithLedger();
    const run = await runKarnel(['validate', '--format', 'json', 'cross-file-group'], {
      cwd: root,
    });
    expect(run.code).toBe(1);
    expect(findings(run)).toEqual([...expected, episodicMistake].sort());
    // The four mistakes the issue names, each found by a different package's check.
    expect(expected).toEqual(
      expect.arrayContaining([
        'cross-file-group/coordination/protocol.yaml:12 coordination/unknown-role',
        'cross-file-group/goals/current.yaml:13 goals/unknown-owner-role',
        'cross-file-group/treasury/allocation_rules.yaml:1 treasury/allocation-sum',
        'cross-file-group/treasury/allocation_rules.yaml:8 treasury/gate-currency',
        'cross-file-group/memory/strategic.yaml:6 schema/too-big',
      ]),
    );
  });

  it('adds the altered message of the group ledger as one more error', async () => {
    const root = await copyWithLedger();
    const log = join(root, 'cross-file-group', 'ledger', 'coordination_log.jsonl');
    const lines = (await readFile(log, 'utf8')).split('\n');
    // Same length, different bytes: the review's verdict rewritten after the fact.
    lines[1] = lines[1]!.replace('"approve"', '"APPROVE"');
    await writeFile(log, lines.join('\n'));
    const run = await runKarnel(['validate', '--format', 'json', 'cross-file-group'], {
      cwd: root,
    });
    expect(run.code).toBe(1);
    expect(findings(run)).toEqual(
      [
        ...expected,
        episodicMistake,
        'cross-file-group/ledger/coordination_log.jsonl:2 ledger/file-mismatch',
      ].sort(),
    );
  });

  it('prints the review chain mistake as file:line:column in text output', async () => {
    const root = await copyWithLedger();
    const protocol = await readFile(join(fixture, 'coordination', 'protocol.yaml'), 'utf8');
    const line = protocol.split('\n').findIndex((text) => text.includes('- actor: "critic"')) + 1;
    const run = await runKarnel(['validate', 'cross-file-group'], { cwd: root });
    expect(run.stdout).toContain(
      `cross-file-group/coordination/protocol.yaml:${line}:14: error coordination/unknown-role: review chain step 2 actor "critic" is not a member role of the group`,
    );
  });
});
