import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createManualClock } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTreasury } from './treasury';
import { validateTreasuryDir } from './validate-treasury-dir';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));

async function roles(group: string): Promise<string[]> {
  const manifest = parse(await readFile(`${examples}${group}/manifest.yaml`, 'utf8')) as {
    members: { role: string }[];
  };
  return manifest.members.map((member) => member.role);
}

describe('the example groups', () => {
  for (const group of ['newsletter-co', 'oss-maintainers']) {
    it(`${group}: the treasury validates against the group's roles`, async () => {
      expect(
        await validateTreasuryDir(`${examples}${group}/treasury`, { roles: await roles(group) }),
      ).toEqual([]);
    });
  }

  it('newsletter-co: budgets, gates and reservations work on a copy of its treasury', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'karnel-')), 'treasury');
    await cp(`${examples}newsletter-co/treasury`, dir, { recursive: true });
    const treasury = createTreasury({
      dir,
      clock: createManualClock('2026-05-06T10:00:00Z'),
      roles: await roles('newsletter-co'),
    });
    const config = await treasury.config();
    expect(config.budgets.week).toBe(5000n);
    expect(config.gates.map((gate) => [gate.kind, gate.threshold, gate.requires])).toEqual([
      ['action', 2500n, 'human_owner'],
      ['recurring', 500n, 'human_owner'],
    ]);
    expect(await treasury.checkSpend({ amount: '30.00' })).toMatchObject({
      effect: 'needs-approval',
      gate: { requires: 'human_owner' },
    });
    expect(
      await treasury.checkSpend({ amount: '16.00', modelClass: 'frontier-reasoning' }),
    ).toMatchObject({ effect: 'deny' });
    const held = await treasury.reserve({
      amount: '4.00',
      modelClass: 'bulk-cheap',
      category: 'member_inference',
    });
    expect(held.ok).toBe(true);
    expect((await treasury.balances()).byCategory.member_inference).toEqual({
      budget: 1000n,
      spent: 0n,
      reserved: 400n,
      remaining: 600n,
    });
  });
});
