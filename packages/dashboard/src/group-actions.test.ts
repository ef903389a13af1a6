import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { changeGroupLifecycle, exportGroup } from '@karnel/runtime';
import { describe, expect, it } from 'vitest';
import { copyGroup, requestApproval } from '../test/group-fixture';
import { GroupActions } from './group-actions';

describe('GroupActions', () => {
  it('answers no request in a handed-off folder or a dissolved group, and writes nothing', async () => {
    const group = await copyGroup();
    const id = await requestApproval(group.dir);
    await exportGroup({
      dir: group.dir,
      bundle: join(dirname(group.dir), 'away.tar'),
      signer: group.owner,
    });
    const chain = await readFile(join(group.dir, 'ledger/chain.jsonl'), 'utf8');
    const actions = new GroupActions(group.dir, group.owner);
    const away = await actions.decide(id, 'approve');
    expect(away).toMatchObject({ ok: false, code: 'handed-off' });
    expect(away.ok ? '' : away.message).toMatch(
      /^the group was handed off \(ledger entry \d+\): answer approvals where it runs now$/,
    );
    expect(await readFile(join(group.dir, 'ledger/chain.jsonl'), 'utf8')).toBe(chain);

    await changeGroupLifecycle(group.dir, 'dissolve', { signer: group.owner });
    expect(await actions.decide(id, 'deny')).toMatchObject({ ok: false, code: 'dissolved' });
  });
});
