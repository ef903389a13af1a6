import { closeSync, constants, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileDurable } from './durable-append';
import { OutsideRootError, openInside, openInsideSync, readFileInside } from './read-inside';
import { readTextFileBounded, readYamlFile } from './source-document';

let base: string;
let group: string;
let secret: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'karnel-read-inside-'));
  group = join(base, 'group');
  secret = join(base, 'secret.txt');
  await mkdir(join(group, 'memory'), { recursive: true });
  await writeFile(join(group, 'memory', 'notes.md'), 'inside text\n');
  await writeFile(secret, 'SECRET-KEY-MATERIAL\n');
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<OutsideRootError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(OutsideRootError.isInstance(error)).toBe(true);
  return error as OutsideRootError;
}

describe('openInside', () => {
  it('reads a plain file inside the root', async () => {
    expect((await readFileInside(group, 'memory/notes.md')).toString()).toBe('inside text\n');
    // A relative root, and a path built from it with join (as callers build them).
    const relativeGroup = relative(process.cwd(), group);
    expect(
      (await readFileInside(relativeGroup, join(relativeGroup, 'memory', 'notes.md'))).toString(),
    ).toBe('inside text\n');
    expect((await readFileInside(relativeGroup, 'memory/notes.md')).toString()).toBe(
      'inside text\n',
    );
    expect((await readFileInside(group, join(group, 'memory', 'notes.md'))).toString()).toBe(
      'inside text\n',
    );
  });

  it('refuses a file that is a symlink to a file outside, naming the path and the target', async () => {
    await symlink(secret, join(group, 'memory', 'stolen.md'));
    const error = await refusal(readFileInside(group, 'memory/stolen.md'));
    expect(error.path).toBe('memory/stolen.md');
    expect(error.target).toContain('secret.txt');
    expect(error.message).toContain('"memory/stolen.md" leads outside');
    expect(error.message).not.toContain('SECRET-KEY-MATERIAL');
  });

  it('refuses a file under a folder symlinked outside', async () => {
    await mkdir(join(base, 'elsewhere'));
    await writeFile(join(base, 'elsewhere', 'notes.md'), 'SECRET-KEY-MATERIAL\n');
    await symlink(join(base, 'elsewhere'), join(group, 'skills'));
    const error = await refusal(readFileInside(group, 'skills/notes.md'));
    expect(error.path).toBe('skills/notes.md');
    expect(error.target).toContain(join('elsewhere', 'notes.md'));
  });

  it('refuses a path that climbs out with ..', async () => {
    const error = await refusal(readFileInside(group, '../secret.txt'));
    expect(error.path).toBe('../secret.txt');
  });

  it('refuses a dangling symlink that would lead outside, even when it would create the file', async () => {
    await symlink(join(base, 'not-yet.txt'), join(group, 'memory', 'episodes.jsonl'));
    const flags = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT;
    await refusal(openInside(group, 'memory/episodes.jsonl', { flags }));
    expect(() => openInsideSync(group, 'memory/episodes.jsonl', { flags })).toThrow(
      OutsideRootError,
    );
    await expect(readFile(join(base, 'not-yet.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('follows a symlink that stays inside the root', async () => {
    await symlink(join(group, 'memory', 'notes.md'), join(group, 'alias.md'));
    await mkdir(join(group, 'agents'));
    await symlink(join(group, 'memory'), join(group, 'agents', 'memory'));
    expect((await readFileInside(group, 'alias.md')).toString()).toBe('inside text\n');
    expect((await readFileInside(group, 'agents/memory/notes.md')).toString()).toBe(
      'inside text\n',
    );
  });

  it('accepts a root that is itself reached through a symlink', async () => {
    await symlink(group, join(base, 'linked-group'));
    expect((await readFileInside(join(base, 'linked-group'), 'memory/notes.md')).toString()).toBe(
      'inside text\n',
    );
  });

  it('throws file system errors as they are', async () => {
    await expect(readFileInside(group, 'memory/missing.md')).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('opens with write flags and creates a missing file inside', async () => {
    const flags = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT;
    const handle = await openInside(group, 'memory/new.jsonl', { flags });
    await handle.write('{"a":1}\n');
    await handle.close();
    expect(readFileSync(join(group, 'memory', 'new.jsonl'), 'utf8')).toBe('{"a":1}\n');
  });
});

describe('openInsideSync', () => {
  it('opens a file inside and refuses a symlink leading outside', async () => {
    const fd = openInsideSync(group, 'memory/notes.md');
    expect(readFileSync(fd, 'utf8')).toBe('inside text\n');
    closeSync(fd);
    await symlink(secret, join(group, 'memory', 'stolen.md'));
    let caught: unknown;
    try {
      openInsideSync(group, 'memory/stolen.md');
    } catch (error) {
      caught = error;
    }
    expect(OutsideRootError.isInstance(caught)).toBe(true);
    expect((caught as OutsideRootError).path).toBe('memory/stolen.md');
  });
});

describe('readTextFileBounded and readYamlFile with a root', () => {
  it('return file/outside-root for a symlink leading outside, without its content', async () => {
    await symlink(secret, join(group, 'goals.yaml'));
    const text = await readTextFileBounded(join(group, 'goals.yaml'), 'goals.yaml', 1024, {
      root: group,
    });
    expect(typeof text).toBe('object');
    expect(text).toMatchObject({ code: 'file/outside-root', file: 'goals.yaml', line: 1 });
    const document = await readYamlFile(join(group, 'goals.yaml'), {
      displayPath: 'goals.yaml',
      root: group,
    });
    expect(document.value).toBeUndefined();
    expect(document.diagnostics.map((diagnostic) => diagnostic.code)).toEqual([
      'file/outside-root',
    ]);
    expect(JSON.stringify(document.diagnostics)).not.toContain('SECRET-KEY-MATERIAL');
  });

  it('still read the file inside, and without a root still follow links', async () => {
    await writeFile(join(group, 'tiers.yaml'), 'a: 1\n');
    const document = await readYamlFile(join(group, 'tiers.yaml'), { root: group });
    expect(document.value).toEqual({ a: 1 });
    await symlink(secret, join(group, 'outside.txt'));
    expect(await readTextFileBounded(join(group, 'outside.txt'), 'outside.txt', 1024)).toBe(
      'SECRET-KEY-MATERIAL\n',
    );
  });

  it('keep the other refusals with a root: missing, not a file, too large', async () => {
    expect(
      await readTextFileBounded(join(group, 'none.yaml'), 'none.yaml', 10, { root: group }),
    ).toMatchObject({ code: 'file/missing' });
    expect(
      await readTextFileBounded(join(group, 'memory'), 'memory', 10, { root: group }),
    ).toMatchObject({ code: 'file/not-a-file' });
    expect(
      await readTextFileBounded(join(group, 'memory', 'notes.md'), 'notes.md', 4, { root: group }),
    ).toMatchObject({ code: 'file/too-large' });
  });
});

describe('appendFileDurable with a root', () => {
  it('appends inside, and refuses a file a symlink leads outside, leaving the target untouched', async () => {
    await appendFileDurable(join(group, 'memory', 'history.jsonl'), 'one\n', { root: group });
    await appendFileDurable(join(group, 'memory', 'history.jsonl'), 'two\n', { root: group });
    expect(readFileSync(join(group, 'memory', 'history.jsonl'), 'utf8')).toBe('one\ntwo\n');
    await symlink(secret, join(group, 'memory', 'linked.jsonl'));
    await refusal(appendFileDurable(join(group, 'memory', 'linked.jsonl'), 'x\n', { root: group }));
    expect(readFileSync(secret, 'utf8')).toBe('SECRET-KEY-MATERIAL\n');
  });
});
