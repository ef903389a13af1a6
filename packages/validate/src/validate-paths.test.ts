import { cp, link, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDiagnostic } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import type { DirectoryCheck, ValidationTarget } from './directory-check';
import { validatePaths } from './validate-paths';

const examples = fileURLToPath(new URL('../../../examples', import.meta.url));
const example = join(examples, 'newsletter-co');

describe('validatePaths', () => {
  it('gives every check the group and each native member agent, with what the manifests resolved', async () => {
    const seen: ValidationTarget[] = [];
    const record: DirectoryCheck = async (target) => {
      seen.push(target);
      return [];
    };
    const result = await validatePaths(['newsletter-co'], { cwd: examples, checks: [record] });
    expect(result.valid).toBe(true);
    expect(result.diagnostics).toEqual([]);
    expect(seen).toEqual(result.targets);
    expect(seen.map((target) => [target.kind, target.display])).toEqual([
      ['group', 'newsletter-co'],
      ['agent', 'newsletter-co/agents/strategist'],
      ['agent', 'newsletter-co/agents/researcher'],
      ['agent', 'newsletter-co/agents/writer'],
      ['agent', 'newsletter-co/agents/critic'],
    ]);
    const group = seen[0]!;
    expect(group.dir).toBe(example);
    expect(group.roles).toEqual([
      'strategist',
      'researcher',
      'writer',
      'critic',
      'specialist_writer',
      'human_owner',
    ]);
    expect(group.coordinationRef).toBe(join(example, 'coordination', 'protocol.yaml'));
    expect(group.components).toEqual({
      memory: join(example, 'memory'),
      goals: join(example, 'goals'),
      ledger: join(example, 'ledger'),
      treasury: join(example, 'treasury'),
    });
    expect(seen[1]).toEqual({
      kind: 'agent',
      dir: join(example, 'agents', 'strategist'),
      display: 'newsletter-co/agents/strategist',
      roles: [],
      groupDir: example,
      components: {
        memory: join(example, 'agents', 'strategist', 'memory'),
        skills: join(example, 'agents', 'strategist', 'skills'),
        goals: join(example, 'agents', 'strategist', 'goals'),
        ledger: join(example, 'agents', 'strategist', 'ledger'),
      },
    });
  });

  it('checks an agent given twice, or also as a member, only once', async () => {
    let calls = 0;
    const count: DirectoryCheck = async () => {
      calls++;
      return [];
    };
    const result = await validatePaths([example, join(example, 'agents', 'writer'), example], {
      checks: [count],
    });
    expect(result.targets).toHaveLength(5);
    expect(calls).toBe(5);
  });

  it("merges, sorts and de-duplicates the checks' diagnostics; errors make the result invalid", async () => {
    const warn: DirectoryCheck = async (target) =>
      target.kind === 'group'
        ? [
            createDiagnostic({
              file: join(target.display, 'b.yaml'),
              line: 2,
              code: 'test/b',
              severity: 'warning',
              message: 'b',
            }),
            createDiagnostic({
              file: join(target.display, 'a.yaml'),
              line: 9,
              code: 'test/a',
              message: 'a',
            }),
          ]
        : [];
    const result = await validatePaths(['newsletter-co'], { cwd: examples, checks: [warn, warn] });
    expect(result.diagnostics.map((diagnostic) => diagnostic.file)).toEqual([
      'newsletter-co/a.yaml',
      'newsletter-co/b.yaml',
    ]);
    expect(result.valid).toBe(false);
  });

  it('turns a check that throws into a check/crashed error instead of failing', async () => {
    const crash: DirectoryCheck = async (target) => {
      if (target.kind === 'group') throw new Error('boom');
      return [];
    };
    const result = await validatePaths(['newsletter-co'], { cwd: examples, checks: [crash] });
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        file: 'newsletter-co',
        code: 'check/crashed',
        severity: 'error',
        message: expect.stringContaining('boom'),
      }),
    ]);
  });

  it('reports a check refused by the file system as fs/unreadable at the path, not as a crash', async () => {
    // link(2) of a folder is refused with EPERM for every user, root included: a real
    // permission error from the kernel, raised inside a check.
    const refused: DirectoryCheck = async (target) => {
      // The target name must not exist, or the kernel answers EEXIST before EPERM.
      const unused = join(tmpdir(), `karnel-link-${process.pid}-${Date.now()}`);
      if (target.kind === 'group') await link(join(target.dir, 'treasury'), unused);
      return [];
    };
    const result = await validatePaths(['newsletter-co'], { cwd: examples, checks: [refused] });
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        file: join('newsletter-co', 'treasury'),
        code: 'fs/unreadable',
        severity: 'error',
        message: expect.stringContaining('permission denied (EPERM)'),
      }),
    ]);
  });

  it('runs no check on a path whose kind cannot be told', async () => {
    let calls = 0;
    const count: DirectoryCheck = async () => {
      calls++;
      return [];
    };
    const result = await validatePaths(['nowhere'], { cwd: examples, checks: [count] });
    expect(result.targets).toEqual([]);
    expect(calls).toBe(0);
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['path/not-found']);
  });
  it('refuses a symlink that leads outside the directory, without reading or showing what it points at', async () => {
    const root = await mkdtemp(join(tmpdir(), 'karnel-escape-'));
    try {
      const group = join(root, 'newsletter-co');
      await cp(example, group, { recursive: true });
      const secret = join(root, 'dotenv');
      await writeFile(secret, 'API_KEY=sk-live-0123456789abcdefSECRET\n');
      for (const file of ['goals/current.yaml', 'agents/writer/memory/strategic.yaml']) {
        await rm(join(group, file));
        await symlink(secret, join(group, file));
      }
      // A link that stays inside the group is followed as before.
      await cp(join(example, 'tiers.yaml'), join(group, 'tiers.source.yaml'));
      await rm(join(group, 'tiers.yaml'));
      await symlink('tiers.source.yaml', join(group, 'tiers.yaml'));

      const result = await validatePaths(['newsletter-co'], { cwd: root });
      expect(result.valid).toBe(false);
      const escapes = result.diagnostics.filter(
        (diagnostic) => diagnostic.code === 'fs/symlink-escapes',
      );
      expect(escapes.map((diagnostic) => diagnostic.file).sort()).toEqual([
        'newsletter-co/agents/writer/memory/strategic.yaml',
        'newsletter-co/goals/current.yaml',
      ]);
      expect(escapes[0]?.message).toContain('is a symlink that leads outside the directory');
      expect(JSON.stringify(result.diagnostics)).not.toContain('sk-live');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
