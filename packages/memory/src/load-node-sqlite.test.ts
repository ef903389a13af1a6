import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SqliteUnavailableError } from './errors';
import { loadNodeSqlite } from './load-node-sqlite';

const here = dirname(fileURLToPath(import.meta.url));

/** Runs a script against this package's sources in a child Node.js with `flags`. */
function runChild(flags: readonly string[], script: string) {
  return spawnSync(
    process.execPath,
    [
      ...flags,
      '--import',
      join(here, 'testing', 'register-typescript.mjs'),
      '--input-type=module',
      '--eval',
      script,
    ],
    { encoding: 'utf8', cwd: here },
  );
}

describe('loading node:sqlite', () => {
  it('loads it when the SQLite backend is used', () => {
    expect(typeof loadNodeSqlite().DatabaseSync).toBe('function');
  });

  it('gives a typed, clear error on a Node.js without node:sqlite, while the files backend still works', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    try {
      const script = `
        import { createMemory } from './create-memory.ts';
        const files = createMemory({ dir: ${JSON.stringify(join(dir, 'files'))} });
        await files.appendEpisode({ kind: 'note', text: 'works without sqlite' });
        console.log('files:', (await files.readEpisodes()).length);
        const sqlite = createMemory({ backend: 'sqlite', dir: ${JSON.stringify(join(dir, 'sqlite'))} });
        try { await sqlite.readEpisodes(); } catch (error) { console.log(error.name + ': ' + error.message); }
      `;
      const child = runChild(['--no-experimental-sqlite'], script);
      expect(child.stderr).toBe('');
      expect(child.stdout).toBe(
        `files: 1\nSqliteUnavailableError: the SQLite backend needs Node 22.13 or newer (node:sqlite is not available in Node ${process.versions.node}); upgrade Node, or use the files backend\n`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps only the SQLite ExperimentalWarning out, and only while loading', () => {
    const script = `
      import { loadNodeSqlite } from './load-node-sqlite.ts';
      process.emitWarning('SQLite is an experimental feature and might change at any time', 'ExperimentalWarning');
      loadNodeSqlite();
      process.emitWarning('SQLite is an experimental feature and might change at any time', 'ExperimentalWarning');
      process.emitWarning('something else', 'ExperimentalWarning');
    `;
    const child = runChild([], script);
    const warnings = child.stderr.split('\n').filter((line) => line.includes('Warning:'));
    // Both warnings emitted outside the load come through; nothing else is printed.
    expect(warnings).toEqual([
      expect.stringContaining('ExperimentalWarning: SQLite is an experimental feature'),
      expect.stringContaining('ExperimentalWarning: SQLite is an experimental feature'),
      expect.stringContaining('ExperimentalWarning: something else'),
    ]);
  });

  it('is an error class any copy of the package recognises', () => {
    const error = new SqliteUnavailableError({ nodeVersion: '22.12.0' });
    expect(SqliteUnavailableError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/needs Node 22\.13 or newer/);
  });
});
