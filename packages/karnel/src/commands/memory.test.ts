import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKarnel, useTempDir } from '../../test/run-karnel';

let dir: string;
useTempDir((path) => {
  dir = path;
});

describe('karnel memory', () => {
  it('adds episodes and semantic items, and searches both, saying when search is full-text only', async () => {
    const agent = join(dir, 'agent');
    const episode = await runKarnel([
      'memory',
      'add',
      agent,
      'Published',
      'issue 12 about subject lines',
      '--kind',
      'publication',
      '--source',
      'ledger/runs/run_01',
      '--format',
      'json',
      '--create',
    ]);
    expect(episode.stderr).toBe('');
    expect(episode.code).toBe(0);
    expect(JSON.parse(episode.stdout)).toMatchObject({
      kind: 'publication',
      text: 'Published issue 12 about subject lines',
      sources: ['ledger/runs/run_01'],
    });
    const item = await runKarnel([
      'memory',
      'add',
      agent,
      'Subject lines with numbers raise open rates',
      '--tier',
      'semantic',
      '--title',
      'Subject lines',
      '--tag',
      'growth',
    ]);
    expect(item.code).toBe(0);
    expect(item.stdout).toMatch(/^added semantic item mem_[0-9A-Z]{26} to .*agent\/memory\n$/);
    await runKarnel(['memory', 'add', agent, 'GPU prices fell', '--tier', 'semantic']);
    expect(
      (await readFile(join(agent, 'memory', 'episodic.jsonl'), 'utf8')).trim().split('\n'),
    ).toHaveLength(1);

    const search = await runKarnel(['memory', 'search', agent, 'subject lines']);
    expect(search.code).toBe(0);
    expect(search.stderr).toBe(
      'note: no embedding model is configured, so this search is full-text only (BM25)\n',
    );
    expect(search.stdout).toMatch(
      /^semantic \(full-text\): 1 hit\(s\)\n {2}1\. mem_\S+ {2}score \S+ {2}Subject lines: Subject lines with numbers raise open rates\n/,
    );
    expect(search.stdout).toMatch(
      /episodic: 1 match\(es\), newest first\n.*publication {2}epi_\S+ {2}Published issue 12 about subject lines\n$/,
    );

    const json = await runKarnel([
      'memory',
      'search',
      agent,
      'prices',
      '--tier',
      'semantic',
      '--format',
      'json',
      '--embedder',
      'hashing',
      '--mode',
      'hybrid',
    ]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.semantic.mode).toBe('hybrid');
    expect(parsed.semantic.hits[0].item.text).toBe('GPU prices fell');
    expect(parsed.episodes).toBeUndefined();
  });

  it('exports from files and imports into LanceDB and SQLite without losing a row', async () => {
    const group = join(dir, 'group');
    for (let index = 0; index < 5; index++)
      expect((await runKarnel(['memory', 'add', group, `event ${index}`, '--create'])).code).toBe(
        0,
      );
    expect((await runKarnel(['memory', 'add', group, 'a fact', '--tier', 'semantic'])).code).toBe(
      0,
    );
    const exportFile = join(dir, 'memory.jsonl');
    const exported = await runKarnel(['memory', 'export', group, '--out', exportFile]);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(
      /^exported 5 episode\(s\), 1 semantic item\(s\) and 0 strategic revision\(s\) from .* to /,
    );
    const imported = await runKarnel([
      'memory',
      'import',
      group,
      exportFile,
      '--backend',
      'lancedb',
    ]);
    expect(imported.stderr).toMatch(
      /5 episode\(s\) added, 0 already there, 1 semantic item\(s\) written, 0 strategic revision\(s\) added/,
    );
    expect(imported.code).toBe(0);
    const again = await runKarnel(['memory', 'import', group, exportFile, '--backend', 'lancedb']);
    expect(again.stderr).toMatch(/0 episode\(s\) added, 5 already there/);
    const fromLance = await runKarnel(['memory', 'export', group, '--backend', 'lancedb']);
    const lines = (text: string) => text.trim().split('\n').slice(1);
    expect(lines(fromLance.stdout)).toEqual(lines(await readFile(exportFile, 'utf8')));
    const sqlite = join(dir, 'other');
    expect(
      (await runKarnel(['memory', 'import', sqlite, exportFile, '--backend', 'sqlite', '--create']))
        .code,
    ).toBe(0);
    const search = await runKarnel([
      'memory',
      'search',
      sqlite,
      'event',
      '--backend',
      'sqlite',
      '--tier',
      'episodic',
      '--limit',
      '2',
    ]);
    expect(search.stdout.trim().split('\n'), search.stderr).toHaveLength(3);
  });

  it('refuses a damaged export with positioned diagnostics and exit code 1', async () => {
    const file = join(dir, 'broken.jsonl');
    await writeFile(
      file,
      '{"format":"karnel-memory-export","version":1,"exported_at":"2026-01-01T00:00:00Z","backend":"files","counts":{"episodes":1,"semantic":0,"strategic_revisions":0}}\n{"type":"episode"}\n',
    );
    const run = await runKarnel(['memory', 'import', join(dir, 'agent'), file, '--create']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${file}:2:1: error memory/bad-export-record`);
    expect(run.stderr).toContain('nothing was imported');
    // The file is read first: a refused import creates no memory.
    await expect(stat(join(dir, 'agent'))).rejects.toThrow(/ENOENT/);
  });

  it('imports plur engrams into episodic memory', async () => {
    const engrams = join(dir, 'engrams.yaml');
    await writeFile(
      engrams,
      'engrams:\n  - id: ENG-2026-05-06-001\n    status: active\n    type: behavioral\n    scope: global\n    statement: Prefer concrete numbers in subject lines\n',
    );
    const run = await runKarnel([
      'memory',
      'import',
      join(dir, 'agent'),
      engrams,
      '--from',
      'plur',
      '--create',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^imported 1 engram\(s\) into episodic memory/);
    const search = await runKarnel([
      'memory',
      'search',
      join(dir, 'agent'),
      'concrete numbers',
      '--tier',
      'episodic',
      '--format',
      'json',
    ]);
    expect(JSON.parse(search.stdout).episodes[0]).toMatchObject({
      kind: 'plur.engram',
      sources: ['plur:ENG-2026-05-06-001'],
    });
  });

  it('uses the manifest to find a group memory and guards its strategic history by role', async () => {
    const source = join(dir, 'source');
    await mkdir(join(source, 'memory'), { recursive: true });
    await writeFile(
      join(source, 'memory', 'strategic.history.jsonl'),
      `${JSON.stringify({ revision: 1, at: '2026-05-01T00:00:00Z', origin: 'update', updates: [{ type: 'add-prior', prior: 'p' }], state: { priors: ['p'] }, state_hash: 'sha256:babf18f1d0b11438c5ec872ff489bea33ab9f23995077fcb6cf1693fac1ec96c' })}\n`,
    );
    const exportFile = join(dir, 'strategic.jsonl');
    expect((await runKarnel(['memory', 'export', source, '--out', exportFile])).code).toBe(0);
    const group = join(dir, 'group');
    await mkdir(group);
    await writeFile(
      join(group, 'manifest.yaml'),
      'karnel_spec_version: "0.2"\ngroup:\n  name: g\ncomponents:\n  memory: ./shared-memory\n',
    );
    const denied = await runKarnel([
      'memory',
      'import',
      group,
      exportFile,
      '--role',
      'writer',
      '--create',
    ]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(
      /error: Refused to write group strategic memory in .*shared-memory: role "writer" is not allowed; the rule is that only "strategist" may write it/,
    );
    const allowed = await runKarnel([
      'memory',
      'import',
      group,
      exportFile,
      '--role',
      'strategist',
    ]);
    expect(allowed.stderr).toMatch(/1 strategic revision\(s\) added/);
    expect(await readFile(join(group, 'shared-memory', 'strategic.yaml'), 'utf8')).toBe(
      'priors:\n  - p\n',
    );
  });

  it('reports command-line mistakes with exit code 2', async () => {
    expect((await runKarnel(['memory', 'search', dir, 'x', '--backend', 'postgres'])).code).toBe(2);
    const zero = await runKarnel(['memory', 'search', dir, 'x', '--k', '0']);
    expect(zero.stderr).toMatch(/--k must be an integer from 1 to 1000/);
    expect(zero.code).toBe(2);
    expect((await runKarnel(['memory', 'search', dir, 'x', '--limit', '99999999'])).code).toBe(2);
    expect((await runKarnel(['memory', 'search', dir, 'x', '--embedder', 'openai'])).code).toBe(2);
    await mkdir(join(dir, 'memory'));
    const vector = await runKarnel(['memory', 'search', dir, 'x', '--mode', 'vector']);
    expect(vector.code).toBe(1);
    expect(vector.stderr).toMatch(/vector search needs an embedding model/);
    const help = await runKarnel(['memory', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/add .*\n.*search/s);
  });

  it('refuses a mistyped path instead of creating a new memory there (add, search, export)', async () => {
    const typo = join(dir, 'agnet');
    for (const args of [
      ['memory', 'add', typo, 'note'],
      ['memory', 'search', typo, 'note'],
      ['memory', 'export', typo],
    ]) {
      const run = await runKarnel(args);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr).toMatch(/agnet does not exist; check the path, or pass --create/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    await expect(stat(typo)).rejects.toThrow(/ENOENT/);
    // An existing folder without a memory: searching or exporting it is an error too.
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const search = await runKarnel(['memory', 'search', empty, 'x']);
    expect(search.code).toBe(1);
    expect(search.stderr).toMatch(/empty has no memory yet/);
    await expect(stat(join(empty, 'memory'))).rejects.toThrow(/ENOENT/);
  });

  it('gives a clear error for a file where a directory is expected, and for a directory given as --out', async () => {
    const file = join(dir, 'notes.txt');
    await writeFile(file, 'hello\n');
    const add = await runKarnel(['memory', 'add', file, 'note', '--create']);
    expect(add.code).toBe(1);
    expect(add.stderr).toMatch(/notes\.txt is a file; expected a directory/);
    expect(add.stderr).not.toMatch(/internal error|\n\s+at /);
    const agent = join(dir, 'agent');
    expect((await runKarnel(['memory', 'add', agent, 'note', '--create'])).code).toBe(0);
    const out = join(dir, 'out');
    await mkdir(out);
    const exported = await runKarnel(['memory', 'export', agent, '-o', out]);
    expect(exported.code).toBe(1);
    expect(exported.stderr).toMatch(/out is a directory; give the path of a file to write/);
    expect(exported.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it('bounds the hashing embedder size and refuses an empty episode', async () => {
    const agent = join(dir, 'agent');
    expect((await runKarnel(['memory', 'add', agent, 'note', '--create'])).code).toBe(0);
    const huge = await runKarnel([
      'memory',
      'search',
      agent,
      'x',
      '--embedder',
      'hashing:1000000000',
    ]);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/hashing\[:<dimensions from 8 to 4096>\]/);
    for (const text of ['', '   ']) {
      const run = await runKarnel(['memory', 'add', agent, text]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/the text to remember is empty/);
    }
    const lines = (await readFile(join(agent, 'memory', 'episodic.jsonl'), 'utf8')).trim();
    expect(lines.split('\n')).toHaveLength(1);
  });

  it('reports a malformed --ollama-host as a usage error and an unreachable one as a clear failure', async () => {
    const agent = join(dir, 'agent');
    expect(
      (await runKarnel(['memory', 'add', agent, 'fact', '--tier', 'semantic', '--create'])).code,
    ).toBe(0);
    const malformed = await runKarnel([
      'memory',
      'search',
      agent,
      'fact',
      '--embedder',
      'ollama:nomic-embed-text',
      '--ollama-host',
      'not a url',
    ]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/"not a url" is not a URL/);
    // A port nobody listens on: take one from the OS, then close it.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address() as { port: number };
        server.close(() => resolve(address.port));
      });
    });
    const unreachable = await runKarnel([
      'memory',
      'search',
      agent,
      'fact',
      '--embedder',
      'ollama:nomic-embed-text',
      '--ollama-host',
      `http://127.0.0.1:${port}`,
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^error: the embedding model ollama:nomic-embed-text failed: fetch failed/,
    );
    expect(unreachable.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it('reports a corrupt line in the middle of episodic.jsonl at its position, and escapes what it prints', async () => {
    const agent = join(dir, 'agent');
    expect((await runKarnel(['memory', 'add', agent, 'first launch', '--create'])).code).toBe(0);
    const path = join(agent, 'memory', 'episodic.jsonl');
    await appendFile(path, '{"broken": \n');
    expect(
      (await runKarnel(['memory', 'add', agent, 'second launch \u001b[2J\u001b[31mred'])).stderr,
    ).toMatch(/episodic\.jsonl:2:\d+: error jsonl\/syntax: skipped a line that is not JSON/);
    const search = await runKarnel(['memory', 'search', agent, 'launch', '--tier', 'episodic']);
    expect(search.code).toBe(0);
    expect(search.stderr).toMatch(/episodic\.jsonl:2:\d+: error jsonl\/syntax/);
    expect(search.stdout).toMatch(/episodic: 2 match\(es\)/);
    expect(search.stdout).not.toContain('\u001b');
    expect(search.stdout).toContain('second launch \\x1b[2J\\x1b[31mred');
  });

  it('refuses to open a files-backend memory with SQLite for reading, and says how to move it', async () => {
    const agent = join(dir, 'agent');
    expect((await runKarnel(['memory', 'add', agent, 'on file', '--create'])).code).toBe(0);
    const run = await runKarnel(['memory', 'search', agent, 'file', '--backend', 'sqlite']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^error: refused to open .*episodic\.jsonl with the sqlite backend: they were written by the files backend/,
    );
  });
});
