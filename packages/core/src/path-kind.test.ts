import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pathKind } from './path-kind';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-path-kind-'));
});
afterEach(async () => {
  await chmod(dir, 0o700);
  await rm(dir, { recursive: true, force: true });
});

describe('pathKind', () => {
  it('tells folders, files, sockets and missing paths apart', async () => {
    await writeFile(join(dir, 'file.txt'), 'x');
    expect(await pathKind(dir)).toBe('folder');
    expect(await pathKind(join(dir, 'file.txt'))).toBe('file');
    expect(await pathKind(join(dir, 'nothing'))).toBe('missing');
    // A parent that is a file: still "missing", not an error.
    expect(await pathKind(join(dir, 'file.txt', 'below'))).toBe('missing');
    const server = createServer();
    const socket = join(dir, 'socket');
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      expect(await pathKind(socket)).toBe('other');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('says unreadable, not missing, for a path too long for the file system', async () => {
    expect(await pathKind(join(dir, 'x'.repeat(5000)))).toBe('unreadable');
  });
});
