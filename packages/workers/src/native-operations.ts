import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createSha256 } from '@karnel/core';
import { z } from 'zod';
import { defineNativeOperation, type NativeOperation } from './native-operation';

const pathInput = z.strictObject({
  /** The path, absolute or relative to the run's `cwd`. */
  path: z.string().min(1),
});

/** `sha256-file`: the SHA-256 and size of one file, streamed. */
export const sha256FileOperation = defineNativeOperation({
  name: 'sha256-file',
  description: 'Computes the SHA-256 digest and size of a file.',
  input: pathInput,
  needs: (input, cwd) => ({ read: [resolve(cwd, input.path)] }),
  run: async (input, { cwd, signal }) => {
    const path = resolve(cwd, input.path);
    const hasher = createSha256();
    let bytes = 0;
    for await (const chunk of createReadStream(path, { signal })) {
      hasher.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    return { path, sha256: hasher.digestHex(), bytes };
  },
});

/** `scan-dir`: counts files, folders and bytes under a folder, without following symlinks. */
export const scanDirOperation = defineNativeOperation({
  name: 'scan-dir',
  description:
    'Counts the files, folders, symlinks and bytes under a folder without following symlinks.',
  input: z.strictObject({
    /** The folder. */
    path: z.string().min(1),
    /** Stop after this many entries. Default 100 000. */
    maxEntries: z.number().int().positive().optional(),
  }),
  needs: (input, cwd) => ({ read: [resolve(cwd, input.path)] }),
  run: async (input, { cwd, signal }) => {
    const root = resolve(cwd, input.path);
    const limit = input.maxEntries ?? 100_000;
    const totals = { files: 0, folders: 0, symlinks: 0, bytes: 0, truncated: false };
    const queue = [root];
    while (queue.length > 0) {
      signal.throwIfAborted();
      const folder = queue.shift()!;
      totals.folders++;
      for (const entry of await readdir(folder, { withFileTypes: true })) {
        if (totals.files + totals.folders + totals.symlinks >= limit) {
          totals.truncated = true;
          return { path: root, ...totals };
        }
        const path = join(folder, entry.name);
        if (entry.isSymbolicLink()) totals.symlinks++;
        else if (entry.isDirectory()) queue.push(path);
        else if (entry.isFile()) {
          totals.files++;
          totals.bytes += (await lstat(path)).size;
        }
      }
    }
    return { path: root, ...totals };
  },
});

/** `git-status`: the branch and changed files of a git work tree (`git status --porcelain`). */
export const gitStatusOperation = defineNativeOperation({
  name: 'git-status',
  description: 'Lists the branch and the changed files of a git work tree.',
  input: pathInput,
  needs: (input, cwd) => ({
    read: [resolve(cwd, input.path)],
    capabilities: ['shell.exec:git status'],
  }),
  run: (input, { cwd, signal }) =>
    new Promise((resolvePromise, reject) => {
      const path = resolve(cwd, input.path);
      execFile(
        'git',
        ['-C', path, 'status', '--porcelain=v1', '--branch', '--untracked-files=normal'],
        // A clean environment: no GIT_DIR or hooks configuration leaks in from the caller.
        {
          signal,
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path, GIT_CONFIG_NOSYSTEM: '1' },
        },
        (error, stdout, stderr) => {
          if (error) {
            reject(new Error(stderr.trim() || error.message));
            return;
          }
          const lines = stdout.split('\n').filter(Boolean);
          const branchLine = lines.find((line) => line.startsWith('## '));
          const changes = lines
            .filter((line) => !line.startsWith('## '))
            .map((line) => ({ status: line.slice(0, 2), path: line.slice(3) }));
          resolvePromise({
            path,
            branch: branchLine ? branchLine.slice(3) : null,
            changes,
            clean: changes.length === 0,
          });
        },
      );
    }),
});

/** The operations `createNativeWorker` registers unless told otherwise. */
export const defaultNativeOperations: readonly NativeOperation[] = [
  sha256FileOperation as NativeOperation,
  scanDirOperation as NativeOperation,
  gitStatusOperation as NativeOperation,
];
