/**
 * A fake `hermes` executable, written into a temporary folder: it answers `--version`, and
 * `chat -q <prompt> -Q …` the way Hermes' quiet mode does (the answer, a blank line, then
 * `session_id: <id>`), logging every call (argv and Karnel run id) so tests count the work done.
 * The scenario is read from the prompt (`"scenario": "<name>"`). Test support, not a test.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const SCRIPT = `#!/usr/bin/env node
const { appendFileSync, writeFileSync } = require('node:fs');
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const args = process.argv.slice(2);
if (args[0] === '--version') {
  process.stdout.write('Hermes Agent v0.0.0 (fake)\\n');
  process.exit(0);
}
const option = (name) => {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
};
const prompt = option('-q') ?? '';
const resume = option('--resume');
const scenario = /"scenario": "(\\w+)"/.exec(prompt)?.[1] ?? 'simple';
appendFileSync(join(__dirname, 'calls.jsonl'), JSON.stringify({ args, run_id: process.env.KARNEL_RUN_ID ?? null }) + '\\n');
if (resume === 'stale_session') {
  process.stderr.write('Error: Session not found: stale_session\\n');
  process.exit(1);
}
const session = resume ?? 'sess_' + Date.now().toString(36);
if (scenario === 'long') {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  writeFileSync(join(__dirname, 'pids.json'), JSON.stringify([process.pid, child.pid]));
  setTimeout(() => {}, 60000);
} else if (scenario === 'fail') {
  process.stderr.write('Error: the provider refused the request\\n');
  process.exit(3);
} else {
  process.stderr.write('[hermes] thinking\\n');
  process.stdout.write('wrote the feature\\n\\nsession_id: ' + session + '\\n');
}
`;

/** A folder holding the fake `hermes`, and what it was asked. */
export interface FakeHermesCli {
  /** The folder holding the executable. */
  readonly dir: string;
  /** `PATH` with the folder first. */
  readonly path: string;
  /** Every `chat` call so far: its arguments and the Karnel run id it ran under. */
  calls(): Promise<Array<{ args: string[]; run_id: string | null }>>;
  /** The process ids (Hermes and a grandchild) of the last `long` run. */
  pids(): Promise<number[]>;
  /** Removes the folder. */
  close(): Promise<void>;
}

/** Writes a fake `hermes` executable into a new temporary folder. */
export async function createFakeHermesCli(): Promise<FakeHermesCli> {
  const dir = await mkdtemp(join(tmpdir(), 'karnel-adapters-hermes-cli-'));
  await writeFile(join(dir, 'hermes'), SCRIPT, { mode: 0o755 });
  return {
    dir,
    path: `${dir}${delimiter}${process.env.PATH ?? ''}`,
    async calls() {
      const text = await readFile(join(dir, 'calls.jsonl'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    },
    async pids() {
      return JSON.parse(await readFile(join(dir, 'pids.json'), 'utf8'));
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
