/**
 * The dashboard over records the real runtime wrote: `@karnel/runtime`'s scheduler and run
 * executor play the example's offline demo (a scripted model, no network) on a copy of
 * examples/newsletter-co; the writer's run parks on a spend approval; the owner approves it
 * in the dashboard; the next runtime pass resumes the run from the ledger.
 */
import { describe, expect, it } from 'vitest';
import { copyGroup, runtimePass } from '../test/group-fixture';
import { createDashboard } from './create-dashboard';
import type { RunSummary } from './runs-view';

describe('records written by the runtime', () => {
  it('shows the runs, the parked run and its approval; approving resumes it on the next pass', async () => {
    const group = await copyGroup();
    const first = await runtimePass(group.dir);
    expect(first.runs.some((run) => run.result.status === 'parked')).toBe(true);

    const dashboard = await createDashboard({ dir: group.dir, signer: group.owner });
    const headers = { authorization: `Bearer ${dashboard.token}` };
    const get = (path: string) => dashboard.app.request(path, { headers });

    const runs = (await (await get('/api/runs')).json()) as RunSummary[];
    expect(runs.length).toBe(first.runs.length);
    const parked = runs.find((run) => run.state === 'parked') as RunSummary;
    expect(parked.member).toBe('writer');
    expect(parked.tier).toBe('fast-general');
    expect(parked.waitingOn?.id).toMatch(/^apr_/);
    expect(runs.filter((run) => run.state === 'succeeded').length).toBe(first.runs.length - 1);

    const page = await (await get(`/runs/${parked.runId}`)).text();
    expect(page).toContain('send_message');
    expect(page).toContain('ollama:qwen3:8b (answered by offline-demo)');
    const approvals = await (await get('/approvals')).text();
    expect(approvals).toContain('spend:40.00 USD');
    expect(approvals).toContain(`href="/runs/${parked.runId}"`);

    const approved = await dashboard.app.request(`/api/approvals/${parked.waitingOn?.id}/approve`, {
      method: 'POST',
      headers: { ...headers, 'x-csrf-token': dashboard.csrfToken },
    });
    expect(approved.status).toBe(200);

    const second = await runtimePass(group.dir);
    expect(second.runs.map((run) => run.result.status)).toContain('succeeded');
    const after = (await (await get('/api/runs')).json()) as RunSummary[];
    const resumed = after.find((run) => run.runId === parked.runId) as RunSummary;
    expect(resumed.state).toBe('succeeded');
    expect(resumed.resumed).toBe(true);
    expect(resumed.reasons.map((reason) => reason.kind)).toContain('approval-answered');
    const ledger = await (await get('/ledger?filter=runs')).text();
    expect(ledger).toContain('run.resumed');
  });
});
