import { join } from 'node:path';
import { openLedger } from '@karnel/ledger';
import { resumeMember } from '@karnel/runtime';
import { expect, it } from 'vitest';
import { copyGroup } from '../test/group-fixture';
import { createDashboard } from './create-dashboard';

type OrgRow = { role: string; paused?: { why: string } };

it('shows a member paused until its owner resumes it; an unsigned resume does not count', async () => {
  const group = await copyGroup();
  const ledger = await openLedger(join(group.dir, 'ledger'));
  await ledger.append({
    type: 'member.paused',
    body: { member: 'writer', why: 'paused after 3 failed runs in a row', consecutiveFailures: 3 },
  });
  // Anyone with write access to the ledger could append this; it is not the owner's word.
  await ledger.append({ type: 'member.resumed', body: { member: 'writer', why: 'forged' } });
  await ledger.close();

  const org = async () => {
    const dashboard = await createDashboard({ dir: group.dir });
    const response = await dashboard.app.request('/api/org', {
      headers: { authorization: `Bearer ${dashboard.token}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as OrgRow[] | { members: OrgRow[] };
    const rows = Array.isArray(body) ? body : body.members;
    return rows.find((row) => row.role === 'writer');
  };
  expect((await org())?.paused?.why).toBe('paused after 3 failed runs in a row');

  await resumeMember(group.dir, { member: 'writer', signer: group.owner });
  expect((await org())?.paused).toBeUndefined();
});
