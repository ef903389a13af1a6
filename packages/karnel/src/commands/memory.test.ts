import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
      expect((await runKarnel(['memory', 'add', group, `event ${index}`])).code).toBe(0);
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
      (await runKarnel(['memory', 'import', sqlite, exportFile, '--backend', 'sqlite'])).code,
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
    const run = await runKarnel(['memory', 'import', join(dir, 'agent'), file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${file}:2:1: error memory/bad-export-record`);
    expect(run.stderr).toContain('nothing was imported');
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
    const denied = await runKarnel(['memory', 'import', group, exportFile, '--role', 'writer']);
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
    expect(zero.stderr).toMatch(/--k must be a positive integer/);
    expect(zero.code).toBe(2);
    expect((await runKarnel(['memory', 'search', dir, 'x', '--embedder', 'openai'])).code).toBe(2);
    const vector = await runKarnel(['memory', 'search', dir, 'x', '--mode', 'vector']);
    expect(vector.code).toBe(1);
    expect(vector.stderr).toMatch(/vector search needs an embedding model/);
    const help = await runKarnel(['memory', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/add .*\n.*search/s);
  });
});
