/**
 * The CLI matrix: every command this package owns, given the mistakes people make with paths
 * and arguments — a path that does not exist, a file where a folder belongs, a folder where a
 * file belongs, a folder that is not a ledger, malformed option values, and (run as a user
 * that permissions apply to) unreadable and read-only paths. Whatever the mistake, the CLI
 * answers with exit 1 or 2 and a one-line message: never exit 70, never a stack trace, never
 * "0 entries" or "valid" for something that is not there.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, publicKeyToDid, writePrivateKeyFile } from '@karnel/core';
import { createAgentDirectory } from '@karnel/manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKarnel } from '../../test/run-karnel';
import { runKarnelUnprivileged, runningAsRoot } from '../../test/unprivileged';
import type { CliOutput } from '../output';
import { runCli } from '../run-cli';

/** Where each kind of path lives in the fixture folder. */
interface Paths {
  /** A path that does not exist. */
  missing: string;
  /** A regular file. */
  file: string;
  /** An empty folder. */
  folder: string;
  /** A folder of notes, neither a ledger nor an agent. */
  notes: string;
  /** A valid agent directory whose ledger holds one entry. */
  agent: string;
  /** A private key file. */
  key: string;
  /** A valid record to append. */
  record: string;
  /** `[]`. */
  emptyList: string;
  /** Not JSON or YAML. */
  garbage: string;
  /** A folder at mode 000. */
  locked: string;
  /** An agent whose memory folder is at mode 000. */
  lockedAgent: string;
  /** A key file at mode 000 (its owner could read it; nobody else). */
  lockedKey: string;
  /** An agent whose name holds a NUL and an escape sequence. */
  hostileAgent: string;
}

type Kind = 'missing' | 'file for folder' | 'folder for file' | 'not a ledger' | 'malformed';

/** One row: what the user typed, and what kind of mistake it is. */
interface Row {
  readonly kind: Kind | 'unreadable' | 'read-only';
  readonly args: (paths: Paths) => string[];
}

const rows: readonly Row[] = [
  // A path that does not exist.
  { kind: 'missing', args: (p) => ['validate', p.missing] },
  { kind: 'missing', args: (p) => ['validate', join(p.missing, 'manifest.yaml')] },
  { kind: 'missing', args: (p) => ['ledger', 'verify', p.missing] },
  { kind: 'missing', args: (p) => ['ledger', 'log', p.missing] },
  { kind: 'missing', args: (p) => ['ledger', 'append', p.missing, p.record] },
  { kind: 'missing', args: (p) => ['ledger', 'checkpoint', p.missing, '-k', p.key] },
  { kind: 'missing', args: (p) => ['ledger', 'archive', p.missing, '-k', p.key] },
  { kind: 'missing', args: (p) => ['ledger', 'prove', p.missing, '0'] },
  { kind: 'missing', args: (p) => ['keys', 'show', p.missing] },
  {
    kind: 'missing',
    args: (p) => ['init', 'agent', join(p.folder, 'a'), '--owner-key', p.missing],
  },
  { kind: 'missing', args: (p) => ['ledger', 'append', p.agent, p.missing] },
  { kind: 'missing', args: (p) => ['ledger', 'append', p.agent, p.record, '--key', p.missing] },
  { kind: 'missing', args: (p) => ['ledger', 'verify', p.agent, '--checkpoint', p.missing] },
  { kind: 'missing', args: (p) => ['ledger', 'prove', p.agent, '0', '--checkpoint', p.missing] },
  { kind: 'missing', args: (p) => ['ledger', 'checkpoint', p.agent, '-k', p.missing] },
  { kind: 'missing', args: (p) => ['ledger', 'archive', p.agent, '-k', p.missing] },
  {
    kind: 'missing',
    args: (p) => ['ledger', 'checkpoint', p.agent, '-k', p.key, '-o', join(p.missing, 'cp.txt')],
  },
  { kind: 'missing', args: (p) => ['keys', 'generate', join(p.missing, 'new.key')] },
  // A file where a folder belongs.
  { kind: 'file for folder', args: (p) => ['validate', p.file] },
  { kind: 'file for folder', args: (p) => ['ledger', 'verify', p.file] },
  { kind: 'file for folder', args: (p) => ['ledger', 'log', p.file] },
  { kind: 'file for folder', args: (p) => ['ledger', 'append', p.file, p.record] },
  { kind: 'file for folder', args: (p) => ['ledger', 'append', p.file, p.record, '--create'] },
  { kind: 'file for folder', args: (p) => ['ledger', 'checkpoint', p.file, '-k', p.key] },
  { kind: 'file for folder', args: (p) => ['ledger', 'archive', p.file, '-k', p.key] },
  { kind: 'file for folder', args: (p) => ['ledger', 'prove', p.file, '0'] },
  { kind: 'file for folder', args: (p) => ['ledger', 'verify', join(p.file, 'ledger')] },
  { kind: 'file for folder', args: (p) => ['init', 'agent', p.file] },
  { kind: 'file for folder', args: (p) => ['init', 'group', join(p.file, 'group')] },
  { kind: 'file for folder', args: (p) => ['keys', 'generate', join(p.file, 'new.key')] },
  // A folder where a file belongs.
  { kind: 'folder for file', args: (p) => ['keys', 'show', p.folder] },
  { kind: 'folder for file', args: (p) => ['keys', 'generate', p.folder] },
  { kind: 'folder for file', args: (p) => ['ledger', 'append', p.agent, p.folder] },
  { kind: 'folder for file', args: (p) => ['ledger', 'append', p.agent, p.record, '-k', p.folder] },
  { kind: 'folder for file', args: (p) => ['ledger', 'verify', p.agent, '-c', p.folder] },
  { kind: 'folder for file', args: (p) => ['ledger', 'checkpoint', p.agent, '-k', p.folder] },
  {
    kind: 'folder for file',
    args: (p) => ['ledger', 'checkpoint', p.agent, '-k', p.key, '-o', p.folder],
  },
  {
    kind: 'folder for file',
    args: (p) => ['init', 'agent', join(p.folder, 'b'), '--owner-key', p.folder],
  },
  // A folder that holds something else than a ledger.
  { kind: 'not a ledger', args: (p) => ['ledger', 'verify', p.notes] },
  { kind: 'not a ledger', args: (p) => ['ledger', 'log', p.notes] },
  { kind: 'not a ledger', args: (p) => ['ledger', 'append', p.notes, p.record] },
  { kind: 'not a ledger', args: (p) => ['ledger', 'append', p.notes, p.record, '--create'] },
  { kind: 'not a ledger', args: (p) => ['ledger', 'checkpoint', p.notes, '-k', p.key] },
  { kind: 'not a ledger', args: (p) => ['validate', p.notes] },
  { kind: 'not a ledger', args: (p) => ['validate', p.folder] },
  // Malformed arguments and input.
  { kind: 'malformed', args: () => ['validate'] },
  { kind: 'malformed', args: (p) => ['validate', p.agent, '--format', 'xml'] },
  { kind: 'malformed', args: (p) => ['keys', 'generate', join(p.folder, 'x.key'), '-f', 'xml'] },
  { kind: 'malformed', args: (p) => ['keys', 'generate', p.key] },
  { kind: 'malformed', args: (p) => ['ledger', 'verify', p.agent, '--format', 'yaml'] },
  { kind: 'malformed', args: (p) => ['ledger', 'log', p.agent, '--from', '-1'] },
  { kind: 'malformed', args: (p) => ['ledger', 'log', p.agent, '--limit', 'many'] },
  { kind: 'malformed', args: (p) => ['ledger', 'log', p.agent, '--format', 'xml'] },
  { kind: 'malformed', args: (p) => ['ledger', 'prove', p.agent, 'zz'] },
  { kind: 'malformed', args: (p) => ['ledger', 'prove', p.agent, '99'] },
  { kind: 'malformed', args: (p) => ['ledger', 'append', p.agent, p.emptyList] },
  { kind: 'malformed', args: (p) => ['ledger', 'append', p.agent, p.garbage] },
  { kind: 'malformed', args: (p) => ['ledger', 'append', p.agent, p.key] },
  { kind: 'malformed', args: (p) => ['ledger', 'verify', p.agent, '--checkpoint', p.record] },
  { kind: 'malformed', args: (p) => ['keys', 'show', p.record] },
  {
    kind: 'malformed',
    args: (p) => ['init', 'agent', join(p.folder, 'c'), '--model-class', 'gpt'],
  },
  { kind: 'malformed', args: (p) => ['init', 'group', join(p.folder, 'd'), '--contact', 'nope'] },
  { kind: 'malformed', args: (p) => ['init', 'agent', join(p.folder, 'e'), '--owner', 'alice'] },
  {
    kind: 'malformed',
    args: (p) => ['init', 'agent', join(p.folder, 'f'), '--name', 'bad\u001b[2Kname'],
  },
  { kind: 'malformed', args: (p) => ['init', 'agent', join(p.folder, 'g'), '--name', ''] },
  { kind: 'malformed', args: (p) => ['validate', p.hostileAgent] },
  { kind: 'malformed', args: (p) => ['validate', p.hostileAgent, '--format', 'github'] },
  { kind: 'malformed', args: () => ['ledger', 'frobnicate'] },
  { kind: 'malformed', args: () => ['--no-such-option'] },
];

/** Run as a user permissions apply to (`nobody` when the tests run as root). */
const unprivilegedRows: readonly Row[] = [
  { kind: 'unreadable', args: (p) => ['validate', p.lockedAgent] },
  { kind: 'unreadable', args: (p) => ['validate', p.locked] },
  { kind: 'unreadable', args: (p) => ['ledger', 'verify', p.locked] },
  { kind: 'unreadable', args: (p) => ['ledger', 'log', p.locked] },
  { kind: 'unreadable', args: (p) => ['ledger', 'append', p.locked, p.record] },
  { kind: 'unreadable', args: (p) => ['keys', 'show', p.lockedKey] },
  { kind: 'unreadable', args: (p) => ['ledger', 'append', p.agent, p.record, '-k', p.lockedKey] },
  { kind: 'read-only', args: (p) => ['ledger', 'append', p.agent, p.record] },
  {
    kind: 'read-only',
    args: (p) => ['ledger', 'checkpoint', p.agent, '-k', p.key, '-o', join(p.agent, 'cp.txt')],
  },
  { kind: 'read-only', args: (p) => ['init', 'agent', join(p.locked, 'new')] },
  { kind: 'read-only', args: (p) => ['init', 'agent', join(p.agent, 'nested')] },
  { kind: 'read-only', args: (p) => ['keys', 'generate', join(p.agent, 'new.key')] },
];

let root: string;
let paths: Paths;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'karnel-matrix-'));
  const at = (name: string) => join(root, name);
  paths = {
    missing: at('typo'),
    file: at('file.txt'),
    folder: at('folder'),
    notes: at('notes'),
    agent: at('agent'),
    key: at('owner.key'),
    record: at('record.json'),
    emptyList: at('empty.json'),
    garbage: at('garbage.json'),
    locked: at('locked'),
    lockedAgent: at('locked-agent'),
    lockedKey: at('locked.key'),
    hostileAgent: at('hostile-agent'),
  };
  await writeFile(paths.file, 'not a folder\n');
  await mkdir(paths.folder);
  await mkdir(paths.notes);
  await writeFile(join(paths.notes, 'todo.txt'), 'buy milk\n');
  const pair = generateKeyPair();
  await writePrivateKeyFile(paths.key, pair);
  const owner = publicKeyToDid(pair.publicKey);
  await createAgentDirectory(paths.agent, { owner });
  await writeFile(paths.record, '{"type":"note.added","body":{"text":"hello"}}\n');
  await writeFile(paths.emptyList, '[]\n');
  await writeFile(paths.garbage, '{{{ not json\n');
  const seeded = await runKarnel(['ledger', 'append', paths.agent, paths.record]);
  expect(seeded.code).toBe(0);
  await createAgentDirectory(paths.hostileAgent, { owner, name: 'placeholder' });
  const hostileManifest = join(paths.hostileAgent, 'manifest.yaml');
  await writeFile(
    hostileManifest,
    (await readFile(hostileManifest, 'utf8')).replace('"placeholder"', '"bad\\0name\\e[2K"'),
  );
  await mkdir(paths.locked);
  await createAgentDirectory(paths.lockedAgent, { owner });
  await writePrivateKeyFile(paths.lockedKey, generateKeyPair());
  await chmod(paths.locked, 0o000);
  await chmod(join(paths.lockedAgent, 'memory'), 0o000);
  await chmod(paths.lockedKey, 0o000);
  if (runningAsRoot) await chmod(root, 0o755);
  else {
    // Not root: make the agent read-only by hand, as it is to nobody when root owns it.
    await chmod(join(paths.agent, 'ledger'), 0o555);
    await chmod(paths.agent, 0o555);
  }
});

afterAll(async () => {
  for (const path of [
    paths.locked,
    join(paths.lockedAgent, 'memory'),
    paths.lockedKey,
    join(paths.agent, 'ledger'),
    paths.agent,
  ])
    await chmod(path, 0o755).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

/** Runs the CLI in this process and captures both streams. */
async function runInProcess(args: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const output: CliOutput = {
    out: (text) => {
      stdout += text.endsWith('\n') ? text : `${text}\n`;
    },
    err: (text) => {
      stderr += text.endsWith('\n') ? text : `${text}\n`;
    },
    interactive: false,
  };
  const code = await runCli(args, output);
  return { code, stdout, stderr };
}

function expectClearFailure(run: { code: number | null; stdout: string; stderr: string }): void {
  expect(run.code === 1 || run.code === 2, `exit ${run.code}\n${run.stderr}`).toBe(true);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).not.toContain('internal error');
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/\b0 entries\b/);
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/^valid\b/m);
  // The message, or the diagnostics (printed on standard output), say what is wrong.
  expect(`${run.stdout}${run.stderr}`).toMatch(/error/);
  // What the user typed is quoted escaped, never raw.
  expect(`${run.stdout}${run.stderr}`).not.toContain('\u001b');
}

/** The row's command line with each fixture path named by its role, for the test's title. */
const placeholders = new Proxy({} as Paths, { get: (_target, name) => `<${String(name)}>` });
function title(row: Row): string {
  return `${row.kind}: karnel ${row.args(placeholders).join(' ')}`;
}

describe('the CLI matrix', () => {
  it.each(rows.map((row) => [title(row), row] as const))(
    '%s',
    { timeout: 60_000 },
    async (_title, row) => {
      expectClearFailure(await runInProcess(row.args(paths)));
    },
  );

  it.each(unprivilegedRows.map((row) => [title(row), row] as const))(
    '%s (as a user permissions apply to)',
    { timeout: 60_000 },
    async (_title, row) => {
      expectClearFailure(await runKarnelUnprivileged(row.args(paths), { cwd: root }));
    },
  );
});
