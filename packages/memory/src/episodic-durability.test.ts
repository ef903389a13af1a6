import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemory, MEMORY_BACKENDS, type MemoryBackend } from './create-memory';
import { temporaryDirectories } from './testing/temporary-directory';
import { validateMemoryDir } from './validate-memory-dir';

const testing = fileURLToPath(new URL('./testing/', import.meta.url));

/** Starts the test child (`testing/memory-child.ts`) on `dir` with the given task. */
function startChild(
  backend: MemoryBackend,
  dir: string,
  task: string,
  ...rest: string[]
): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--import',
      join(testing, 'register-typescript.mjs'),
      join(testing, 'memory-child.ts'),
      backend,
      dir,
      task,
      ...rest,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

/** Collects the complete lines a child prints, and waits for a number of them. */
function lines(child: ChildProcess): {
  readonly received: string[];
  waitFor(count: number): Promise<void>;
  exited: Promise<number | null>;
} {
  const received: string[] = [];
  let buffered = '';
  let stderr = '';
  const waiters: { count: number; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    received.push(...parts);
    for (const waiter of waiters.splice(0)) {
      if (received.length >= waiter.count) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    received,
    exited,
    waitFor: (count) =>
      new Promise<void>((resolve, reject) => {
        if (received.length >= count) return resolve();
        waiters.push({ count, resolve });
        exited.then(() => {
          if (received.length < count)
            reject(new Error(`child exited after ${received.length} lines: ${stderr}`));
        });
      }),
  };
}

describe.each(MEMORY_BACKENDS)('%s episodic log', (backend) => {
  const directories = temporaryDirectories();
  afterEach(() => directories.cleanup());

  it('loses no acknowledged episode when the writer is killed mid-append (SIGKILL), again and again', async () => {
    const dir = join(await directories.create(), 'memory');
    const acknowledged: string[] = [];
    for (let round = 0; round < 3; round++) {
      const child = startChild(backend, dir, 'append-forever');
      const output = lines(child);
      await output.waitFor(15 + round * 7);
      child.kill('SIGKILL');
      await output.exited;
      acknowledged.push(...output.received);
    }
    const store = createMemory({ backend, dir });
    try {
      const stored = new Set<string>((await store.readEpisodes()).map((episode) => episode.id));
      const lost = acknowledged.filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
      // The log stays writable and readable after the kills.
      const after = await store.appendEpisode({ kind: 'note', text: 'written after the crashes' });
      expect((await store.readEpisodes({ order: 'desc', limit: 1 }))[0]).toEqual(after);
    } finally {
      await store.close();
    }
    if (backend === 'files') {
      const diagnostics = await validateMemoryDir(dir, { displayPath: 'memory' });
      expect(diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
    }
  });

  it('gives concurrent readers in another process a consistent prefix of the log while it grows', async () => {
    const dir = join(await directories.create(), 'memory');
    const batches = 30;
    const child = startChild(backend, dir, 'append-batches', String(batches));
    const output = lines(child);
    const readers = [createMemory({ backend, dir }), createMemory({ backend, dir })];
    const observations: string[][][] = [[], []];
    let finished = false;
    output.exited.then(() => {
      finished = true;
    });
    try {
      while (!finished) {
        // A synchronous backend (node:sqlite) resolves reads without yielding to the event
        // loop; yield so the child's output and exit are seen.
        await new Promise((resolve) => setImmediate(resolve));
        await Promise.all(
          readers.map(async (reader, index) => {
            observations[index]!.push((await reader.readEpisodes()).map((episode) => episode.id));
          }),
        );
      }
      expect(await output.exited).toBe(0);
      const written = output.received.flatMap((line) => line.split(' '));
      expect(written).toHaveLength(batches * 10);
      for (const [index, reader] of readers.entries()) {
        const final = (await reader.readEpisodes()).map((episode) => episode.id);
        expect(final).toEqual(written);
        let previous = 0;
        for (const seen of observations[index]!) {
          // Every read is the log as it was at some moment: a prefix, never shrinking.
          expect(seen).toEqual(written.slice(0, seen.length));
          expect(seen.length).toBeGreaterThanOrEqual(previous);
          previous = seen.length;
        }
      }
    } finally {
      await Promise.all(readers.map((reader) => reader.close()));
    }
  });
});
