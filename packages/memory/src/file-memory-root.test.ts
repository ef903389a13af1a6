import { mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OutsideRootError, ValidationError } from '@karnel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileMemory } from './file-memory';
import { temporaryDirectories } from './testing/temporary-directory';

const SECRET = 'SECRET-KEY-MATERIAL';

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('createFileMemory with a root', () => {
  const directories = temporaryDirectories();
  afterEach(() => directories.cleanup());

  async function setup() {
    const base = await directories.create();
    const group = join(base, 'group');
    const dir = join(group, 'memory');
    await mkdir(dir, { recursive: true });
    const secret = join(base, 'secret.jsonl');
    const episode = {
      id: 'epi_01HZX3K0V8Q5T2N7R4M6W9YB1C',
      at: '2026-01-01T00:00:00.000Z',
      kind: 'note',
      text: SECRET,
    };
    await writeFile(secret, `${JSON.stringify(episode)}\n`);
    return { base, group, dir, secret };
  }

  it('refuses to read or append through an episodic log symlinked outside the group', async () => {
    const { group, dir, secret } = await setup();
    const store = createFileMemory({ dir, root: group });
    await store.appendEpisode({ kind: 'note', text: 'before the swap' });
    // Replaced after the store first read it, as a skill with file-write capability could.
    await rename(join(dir, 'episodic.jsonl'), join(dir, 'old.jsonl'));
    await symlink(secret, join(dir, 'episodic.jsonl'));

    const read = await caught(store.readEpisodes({ limit: 10 }));
    expect(OutsideRootError.isInstance(read)).toBe(true);
    expect((read as OutsideRootError).path).toBe('memory/episodic.jsonl');
    expect(String((read as Error).message)).not.toContain(SECRET);
    const search = await caught(store.search(SECRET));
    expect(OutsideRootError.isInstance(search)).toBe(true);
    const append = await caught(store.appendEpisode({ kind: 'note', text: 'after the swap' }));
    expect(OutsideRootError.isInstance(append)).toBe(true);
    expect(await readFile(secret, 'utf8')).not.toContain('after the swap');

    // A fresh store, as a restarted runtime would open it, refuses too.
    const fresh = createFileMemory({ dir, root: group });
    expect(OutsideRootError.isInstance(await caught(fresh.readEpisodes({})))).toBe(true);
  });

  it('refuses a strategic.yaml symlinked outside with the diagnostic file/outside-root', async () => {
    const { base, group, dir } = await setup();
    await writeFile(join(base, 'strategic.yaml'), `self_model: ${SECRET}\n`);
    await symlink(join(base, 'strategic.yaml'), join(dir, 'strategic.yaml'));
    const store = createFileMemory({ dir, root: group });
    const error = await caught(store.readStrategic());
    expect(ValidationError.isInstance(error)).toBe(true);
    const diagnostics = (error as ValidationError).diagnostics;
    expect(diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['file/outside-root']);
    expect(JSON.stringify(diagnostics)).not.toContain(SECRET);
  });

  it('reads a memory folder symlinked to another place inside the group', async () => {
    const { group } = await setup();
    const real = join(group, 'shared-memory');
    const writer = createFileMemory({ dir: real, root: group });
    await writer.appendEpisode({ kind: 'note', text: 'shared inside' });
    await mkdir(join(group, 'agents'), { recursive: true });
    await symlink(real, join(group, 'agents', 'memory'));
    const reader = createFileMemory({ dir: join(group, 'agents', 'memory'), root: group });
    expect((await reader.readEpisodes({})).map((episode) => episode.text)).toEqual([
      'shared inside',
    ]);
    await reader.appendEpisode({ kind: 'note', text: 'through the link' });
    expect(await readFile(join(real, 'episodic.jsonl'), 'utf8')).toContain('through the link');
  });

  it('without a root still follows links (a library user decides)', async () => {
    const { dir, secret } = await setup();
    await symlink(secret, join(dir, 'episodic.jsonl'));
    const store = createFileMemory({ dir });
    expect((await store.readEpisodes({})).map((episode) => episode.text)).toEqual([SECRET]);
  });

  it('appends no strategic revision through a history file symlinked outside', async () => {
    const { base, group, dir } = await setup();
    await writeFile(join(base, 'history.jsonl'), '');
    await symlink(join(base, 'history.jsonl'), join(dir, 'strategic.history.jsonl'));
    const store = createFileMemory({ dir, root: group });
    const error = await caught(
      store.updateStrategic([{ type: 'add-prior', prior: 'readers like short issues' }], {
        reason: 'test',
      }),
    );
    expect(OutsideRootError.isInstance(error)).toBe(true);
    expect(await readFile(join(base, 'history.jsonl'), 'utf8')).toBe('');
  });
});
