import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnsupportedVersionError } from '@karnel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from './create-memory-store';
import { createFilesDriver } from './drivers/files-driver';
import { EmbeddingFailedError, MemoryLayoutConflictError } from './errors';
import { createFileMemory } from './file-memory';
import type { MemoryDriver } from './memory-driver';
import type { MemoryStore } from './memory-store';
import { createSqliteMemory } from './sqlite-memory';
import { temporaryDirectories } from './testing/temporary-directory';

const directories = temporaryDirectories();
const open: MemoryStore[] = [];
const track = (store: MemoryStore) => {
  open.push(store);
  return store;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
  await directories.cleanup();
});

describe('createMemoryStore', () => {
  it('refuses a driver of an unknown specification version with a typed error', async () => {
    const dir = join(await directories.create(), 'memory');
    const driver = { ...createFilesDriver({ dir }), specificationVersion: 'v9' };
    const attempt = () => createMemoryStore({ driver: driver as unknown as MemoryDriver });
    expect(attempt).toThrow(UnsupportedVersionError);
    expect(attempt).toThrow(/memory driver specification version "v9"; supported: v1/);
  });

  it('refuses an embedding model of an unknown specification version', async () => {
    const dir = join(await directories.create(), 'memory');
    const model = {
      specificationVersion: 'v1',
      provider: 'old',
      modelId: 'm',
      doEmbed: async () => ({ embeddings: [] }),
    };
    expect(() => createFileMemory({ dir, embedder: model })).toThrow(
      /embedding model specification version "v1"/,
    );
  });

  it('writes nothing when the embedding model fails, and names the model in a typed error', async () => {
    const dir = join(await directories.create(), 'memory');
    const store = track(
      createFileMemory({
        dir,
        embedder: {
          specificationVersion: 'v4',
          provider: 'broken',
          modelId: 'offline',
          doEmbed: async () => {
            throw new TypeError('fetch failed');
          },
        },
      }),
    );
    const error = await store.upsertSemantic([{ text: 'kept?' }]).catch((caught) => caught);
    expect(EmbeddingFailedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      'the embedding model broken:offline failed: fetch failed',
    );
    expect(await store.listSemantic()).toEqual([]);
  });

  it('runs a third-party driver: the id rules are the composer’s, not the driver’s', async () => {
    // A driver that keeps episodes in an array and checks nothing itself.
    const episodes: { id: string; text: string }[] = [];
    const files = createFilesDriver({ dir: join(await directories.create(), 'memory') });
    const driver: MemoryDriver = {
      ...files,
      name: 'array',
      episodic: {
        ...files.episodic,
        async append(batch, options) {
          const stored = new Set(episodes.map((episode) => episode.id));
          const written = options?.select ? options.select(stored) : batch;
          episodes.push(...written);
          return written;
        },
      },
    };
    const store = track(createMemoryStore({ driver }));
    expect(store.backend).toBe('array');
    const [first] = await store.appendEpisodes([{ kind: 'note', text: 'one' }]);
    await expect(
      store.appendEpisodes([{ id: first!.id, kind: 'note', text: 'again' }]),
    ).rejects.toThrow(/is already in/);
    expect(
      await store.appendEpisodes([{ id: first!.id, kind: 'note', text: 'again' }], {
        ifExists: 'skip',
      }),
    ).toEqual([]);
    expect(episodes.map((episode) => episode.text)).toEqual(['one']);
  });
});

describe('a backend that keeps its records elsewhere, on a folder the files backend wrote', () => {
  it('refuses to show the SQLite memory without the files backend’s episodes, saying what to do', async () => {
    const dir = join(await directories.create(), 'memory');
    await track(createFileMemory({ dir })).appendEpisode({ kind: 'note', text: 'on file' });
    const sqlite = track(createSqliteMemory({ dir }));
    for (const attempt of [
      () => sqlite.readEpisodes(),
      () => sqlite.search('file'),
      () => sqlite.appendEpisode({ kind: 'note', text: 'would hide the other' }),
    ]) {
      const error = await attempt().catch((caught: unknown) => caught);
      expect(MemoryLayoutConflictError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain(join(dir, 'episodic.jsonl'));
      expect((error as Error).message).toMatch(/open this memory with the files backend/i);
    }
  });

  it('opens a folder with an empty episodic.jsonl, and strategic files only, normally', async () => {
    const dir = join(await directories.create(), 'memory');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'episodic.jsonl'), '');
    await track(createFileMemory({ dir })).updateStrategic([{ type: 'add-prior', prior: 'p' }]);
    const sqlite = track(createSqliteMemory({ dir }));
    expect(await sqlite.readEpisodes()).toEqual([]);
    expect(await sqlite.readStrategic()).toEqual({ priors: ['p'] });
  });
});
