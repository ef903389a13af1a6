import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRuntimeParts } from '@karnel/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { openExecutorRuntime } from './executor-runtime';

const EXAMPLE = fileURLToPath(new URL('../../../examples/newsletter-co', import.meta.url));
const roots: string[] = [];
afterEach(async () => {
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
});

async function group(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'karnel-executor-runtime-'));
  roots.push(root);
  const dir = join(root, 'newsletter-co');
  await cp(EXAMPLE, dir, { recursive: true });
  return dir;
}

describe('openExecutorRuntime', () => {
  it('refuses to open a group its coordinator never opened (it would have to write the owner anchor)', async () => {
    const dir = await group();
    await expect(openExecutorRuntime(dir, { machineTiersFile: false })).rejects.toThrow(
      "start the group's coordinator first",
    );
  });

  it('reads the group and writes nothing outside a run; goal updates are denied on an executor', async () => {
    const dir = await group();
    const coordinatorParts = await openRuntimeParts(dir, { machineTiersFile: false });
    await coordinatorParts.close();
    const before = await readdir(join(dir, 'ledger'), { recursive: true });
    const runtime = await openExecutorRuntime(dir, { machineTiersFile: false });
    try {
      const { parts } = runtime;
      expect([...parts.members.keys()]).toContain('researcher');
      expect((await parts.treasury.config()).unit.code).toBe('USD');
      await expect(
        parts
          .memoryOf('researcher')
          .appendEpisode({ kind: 'note', text: 'x', actor: 'researcher' }),
      ).rejects.toThrow('outside a run');
      await expect(parts.ledger.appendStep('run_x', { step: 0 })).rejects.toThrow('outside a run');
      await expect(parts.ledger.appendCoordination({})).rejects.toThrow(
        'an executor does not write the group directory',
      );
      const goal = parts.policy.decide({
        actor: 'strategist',
        capability: 'goal.update:g_subs_traffic',
        action: {},
      });
      expect(goal.effect).toBe('deny');
      expect(goal.reason).toContain("updated by the group's coordinator");
      // Other capabilities are decided by the group's policy as usual.
      expect(
        parts.policy.decide({ actor: 'researcher', capability: 'memory.read', action: {} }).effect,
      ).toBe('allow');
    } finally {
      await runtime.close();
    }
    expect(await readdir(join(dir, 'ledger'), { recursive: true })).toEqual(before);
  });
});
