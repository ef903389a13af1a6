import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type InclusionProof, type LedgerEntry, openLedger, verifyInclusion } from '@karnel/ledger';
import { createTreasury } from '@karnel/treasury';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  appendSteps,
  copyGroup,
  finishRun,
  type GroupFixture,
  parkRun,
  requestApproval,
  startRun,
} from '../test/group-fixture';
import { createDashboard, type Dashboard } from './create-dashboard';
import { DashboardDirectoryError } from './errors';

let group: GroupFixture;
let dashboard: Dashboard;
let readOnly: Dashboard;
let approvalId: string;
let parkedRun: string;
let finishedRun: string;

const auth = () => ({ authorization: `Bearer ${dashboard.token}` });
const get = (path: string, app: Dashboard = dashboard) =>
  app.app.request(path, { headers: { authorization: `Bearer ${app.token}` } });
const post = (path: string, form: Record<string, string>, app: Dashboard = dashboard) =>
  app.app.request(path, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${app.token}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  });

const safeModeActive = async () =>
  ((await (await get('/api/safe-mode')).json()) as { active: boolean }).active;

beforeAll(async () => {
  group = await copyGroup();
  finishedRun = await startRun(group.dir, 'researcher');
  await appendSteps(group.dir, finishedRun);
  await finishRun(group.dir, finishedRun, 'researcher');
  approvalId = await requestApproval(group.dir);
  const ledger = await openLedger(join(group.dir, 'ledger'));
  await ledger.appendCoordination({
    type: 'escalation',
    id: 'msg_01JZ0000000000000000000001',
    from: 'critic',
    to: 'human_owner',
    payload: { condition: 'cost_overrun_predicted', reason: 'issue 7 research will cost $60' },
  });
  await ledger.close();
  parkedRun = await startRun(group.dir, 'writer');
  await appendSteps(group.dir, parkedRun);
  await parkRun(group.dir, parkedRun, approvalId);
  dashboard = await createDashboard({ dir: group.dir, keyFile: group.ownerKeyFile, pollMs: 50 });
  readOnly = await createDashboard({ dir: group.dir });
});

const PAGES = [
  ['/', 'What needs me', 'cost_overrun_predicted: issue 7 research will cost $60'],
  ['/org', 'Org chart', 'specialist_writer'],
  ['/goals', 'Goals', 'Reviews due'],
  ['/approvals', 'Approvals', 'publishing issue 7 needs the owner'],
  ['/runs', 'Runs', 'weekly issue is due'],
  ['/ledger', 'Ledger', 'intact'],
  ['/budgets', 'Budgets', 'frontier-reasoning'],
  ['/memory', 'Memory and skills', 'draft-newsletter-issue'],
] as const;

describe('authentication', () => {
  it.each(PAGES)('refuses %s without the token', async (path) => {
    const response = await dashboard.app.request(path);
    expect(response.status).toBe(401);
    expect(await response.text()).toContain('Token required');
  });

  it('refuses a wrong bearer token and a wrong cookie', async () => {
    expect(
      (await dashboard.app.request('/', { headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401);
    expect(
      (await dashboard.app.request('/', { headers: { cookie: 'karnel_dashboard=nope' } })).status,
    ).toBe(401);
    expect((await dashboard.app.request('/api/runs')).status).toBe(401);
    expect(await (await dashboard.app.request('/api/runs')).json()).toHaveProperty('error');
  });

  it('refuses the assets and the event stream without the token', async () => {
    expect((await dashboard.app.request('/assets/htmx.min.js')).status).toBe(401);
    expect((await dashboard.app.request('/events')).status).toBe(401);
  });

  it('turns ?token= into an HttpOnly SameSite=Strict cookie and drops it from the address', async () => {
    const wrong = await dashboard.app.request('/org?token=wrong');
    expect(wrong.status).toBe(401);
    const response = await dashboard.app.request(`/org?token=${dashboard.token}&x=1`);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/org?x=1');
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const again = await dashboard.app.request('/org', {
      headers: { cookie: cookie.split(';')[0] as string },
    });
    expect(again.status).toBe(200);
  });

  it('rejects a configured token shorter than 16 characters', async () => {
    await expect(createDashboard({ dir: group.dir, token: 'short' })).rejects.toThrow(
      'at least 16',
    );
  });
});

describe('pages', () => {
  it.each(PAGES)('renders %s with its heading and content', async (path, title, content) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    expect(html).toContain(`<h1>${title}</h1>`);
    expect(html).toContain(content);
    expect(html).toContain('aria-current="page"');
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z]/i);
  });

  it('shows the parked run waiting on the approval, and its steps and raw records', async () => {
    const list = await (await get('/runs')).text();
    expect(list).toContain(parkedRun);
    expect(list).toContain(`waits on ${approvalId}`);
    const page = await (await get(`/runs/${parkedRun}`)).text();
    expect(page).toContain('mock:model-v1');
    expect(page).toContain('memory.search');
    expect(page).toContain('1200/340');
    expect(page).toContain('Raw records');
    expect(page).toContain('run.parked');
    const finished = await (await get(`/runs/${finishedRun}`)).text();
    expect(finished).toContain('succeeded');
  });

  it('links the approval to the run it parked', async () => {
    const html = await (await get('/approvals')).text();
    expect(html).toContain(`href="/runs/${parkedRun}"`);
    expect(html).toContain('Action hash');
    expect(html).toContain(`action="/approvals/${approvalId}/approve"`);
    expect(html).toContain(`value="${dashboard.csrfToken}"`);
  });

  it('is read-only without a key: no approve forms, and posts are refused with a reason', async () => {
    const html = await (await get('/approvals', readOnly)).text();
    expect(html).not.toContain('/approve"');
    expect(html).toContain('Read-only');
    const response = await post(
      `/approvals/${approvalId}/approve`,
      { _csrf: readOnly.csrfToken },
      readOnly,
    );
    expect(response.status).toBe(303);
    const flash = await (await get(response.headers.get('location') as string, readOnly)).text();
    expect(flash).toContain('started without a key');
  });

  it('searches memory', async () => {
    const html = await (await get('/memory?q=newsletter')).text();
    expect(html).toContain('Episodes (');
  });

  it('shows a ledger entry and its inclusion proof, which verifies', async () => {
    const html = await (await get('/ledger/1')).text();
    expect(html).toContain('Show the inclusion proof');
    const proofPage = await (await get('/ledger/1?proof=1')).text();
    expect(proofPage).toContain('Inclusion proof');
    const fragment = await get('/ledger/1/proof');
    expect(fragment.status).toBe(200);
    expect(await fragment.text()).not.toContain('<html');
    const proof = (await (await get('/api/ledger/1/proof')).json()) as InclusionProof;
    const entry = (await (await get('/api/ledger/1')).json()) as LedgerEntry;
    expect(proof.hash).toBe(entry.hash);
    const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
    expect(
      verifyInclusion(
        bytes(proof.hash),
        proof.seq,
        proof.size,
        proof.path.map(bytes),
        bytes(proof.root),
      ),
    ).toBe(true);
    expect(
      verifyInclusion(
        bytes(proof.hash),
        proof.seq,
        proof.size,
        proof.path.map(bytes),
        bytes('00'.repeat(32)),
      ),
    ).toBe(false);
  });

  it('filters the ledger timeline', async () => {
    const html = await (await get('/ledger?filter=runs')).text();
    expect(html).toContain('run.started');
    expect(html).not.toContain('approval.requested');
  });
});

describe('not found', () => {
  it.each([
    '/nope',
    '/runs/run_doesnotexist',
    '/ledger/999999',
    '/ledger/abc',
    '/ledger?filter=bogus',
    '/ledger/999999/proof',
  ])('answers 404 for %s', async (path) => {
    const response = await get(path);
    expect(response.status).toBe(404);
  });

  it.each(['/api/nope', '/api/runs/run_nope', '/api/ledger/999999', '/api/ledger/999999/proof'])(
    'answers 404 JSON for %s',
    async (path) => {
      const response = await get(path);
      expect(response.status).toBe(404);
      expect(await response.json()).toHaveProperty('error');
    },
  );
});

describe('JSON API', () => {
  it.each([
    ['/api/overview', 'approvals'],
    ['/api/org', 'role'],
    ['/api/goals', 'g_subs'],
    ['/api/approvals', 'publish:newsletter'],
    ['/api/runs', 'writer'],
    ['/api/ledger', 'run.parked'],
    ['/api/ledger/verify', '"ok":true'],
    ['/api/budgets', 'frontier-reasoning'],
    ['/api/memory?q=newsletter', 'episodes'],
    ['/api/skills', 'review-draft'],
    ['/api/safe-mode', 'active'],
    ['/api/session', 'csrfToken'],
  ])('answers %s', async (path, content) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.text()).toContain(content);
  });

  it('refuses bad parameters with 400', async () => {
    expect((await get('/api/ledger?filter=bogus')).status).toBe(400);
    expect((await get('/api/memory')).status).toBe(400);
  });
});

describe('assets and live stream', () => {
  it('serves htmx, its SSE extension and the stylesheet from the package', async () => {
    for (const path of [
      '/assets/htmx.min.js',
      '/assets/sse.min.js',
      '/assets/dashboard.css',
      '/assets/dashboard.js',
    ]) {
      const response = await get(path);
      expect(response.status).toBe(200);
      expect((await response.text()).length).toBeGreaterThan(100);
    }
    expect(await (await get('/assets/sse.min.js')).text()).toContain('sse-swap');
  });

  it('streams the runs table, and again when a record is appended', async () => {
    const response = await get('/events');
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: runs')) text += decoder.decode((await reader.read()).value);
    expect(text).toContain('event: approvals');
    expect(text).toContain(parkedRun);
    const live = await startRun(group.dir, 'critic');
    while (!text.includes(live)) text += decoder.decode((await reader.read()).value);
    expect(text).toContain(live);
    await reader.cancel();
  });
});

describe('mutations', () => {
  it('refuses a post without the CSRF token, or with a wrong one', async () => {
    const missing = await post(`/approvals/${approvalId}/approve`, {});
    expect(missing.status).toBe(403);
    const wrong = await post('/safe-mode', { _csrf: 'wrong', on: 'true' });
    expect(wrong.status).toBe(403);
    const api = await dashboard.app.request('/api/safe-mode', {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ on: true }),
    });
    expect(api.status).toBe(403);
    const status = (await (await get('/api/safe-mode')).json()) as { active: boolean };
    expect(status.active).toBe(false);
  });

  it('approves a pending request with the owner key, signed and in the ledger', async () => {
    const response = await post(`/approvals/${approvalId}/approve`, { _csrf: dashboard.csrfToken });
    expect(response.status).toBe(303);
    const page = await (await get(response.headers.get('location') as string)).text();
    expect(page).toContain(`approved ${approvalId}`);
    const ledger = await openLedger(join(group.dir, 'ledger'));
    const types: string[] = [];
    const signers: (string | undefined)[] = [];
    for await (const entry of ledger.entries()) {
      types.push(entry.type);
      signers.push(entry.signer);
    }
    await ledger.close();
    expect(types).toContain('approval.approved');
    expect(signers.at(types.lastIndexOf('approval.approved'))).toBe(group.owner.did);
    const again = await post(`/approvals/${approvalId}/deny`, { _csrf: dashboard.csrfToken });
    const refused = await (await get(again.headers.get('location') as string)).text();
    expect(refused).toContain('refused');
  });

  it('turns safe mode on and off through the form and the API', async () => {
    const on = await post('/safe-mode', {
      _csrf: dashboard.csrfToken,
      on: 'true',
      reason: 'test drill',
    });
    expect(on.status).toBe(303);
    expect(await safeModeActive()).toBe(true);
    expect(await (await get('/')).text()).toContain('Safe mode on');
    const off = await dashboard.app.request('/api/safe-mode', {
      method: 'POST',
      headers: {
        ...auth(),
        'x-csrf-token': dashboard.csrfToken,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ on: false, reason: 'drill over' }),
    });
    expect(off.status).toBe(200);
    expect(await safeModeActive()).toBe(false);
  });

  it('refuses to turn safe mode off with a key that is not the owner', async () => {
    const stranger = await createDashboard({ dir: group.dir, signer: group.stranger });
    await post('/safe-mode', { _csrf: stranger.csrfToken, on: 'true' }, stranger);
    const off = await post('/safe-mode', { _csrf: stranger.csrfToken, on: 'false' }, stranger);
    const page = await (await get(off.headers.get('location') as string, stranger)).text();
    expect(page).toContain('class="flash bad"');
    expect(await safeModeActive()).toBe(true);
    await post('/safe-mode', { _csrf: dashboard.csrfToken, on: 'false' });
    expect(await safeModeActive()).toBe(false);
  });

  it('pins the owner once, however many pages open the policy at the same time', async () => {
    await Promise.all(
      ['/', '/approvals', '/api/overview', '/api/safe-mode'].map((path) => get(path)),
    );
    const ledger = await openLedger(join(group.dir, 'ledger'));
    let pins = 0;
    for await (const entry of ledger.entries()) if (entry.type === 'owner.pinned') pins += 1;
    await ledger.close();
    expect(pins).toBe(1);
  });
});

describe('bad directories and tampered ledgers', () => {
  it('refuses a missing path, a file and an agent directory with a typed error', async () => {
    const missing = createDashboard({ dir: join(group.dir, 'no-such-group') });
    await expect(missing).rejects.toSatisfy(DashboardDirectoryError.isInstance);
    await expect(missing).rejects.toThrow('not a group directory');
    await expect(createDashboard({ dir: join(group.dir, 'manifest.yaml') })).rejects.toThrow(
      'not a group directory',
    );
    await expect(createDashboard({ dir: join(group.dir, 'agents', 'writer') })).rejects.toThrow(
      'is an agent directory',
    );
  });

  it('shows a tampered ledger as broken, naming the first bad entry, and keeps serving', async () => {
    const copy = await copyGroup();
    const runId = await startRun(copy.dir, 'writer');
    await appendSteps(copy.dir, runId);
    const chain = join(copy.dir, 'ledger', 'chain.jsonl');
    const lines = (await readFile(chain, 'utf8')).split('\n');
    lines[1] = (lines[1] as string).replace('"index":0', '"index":7');
    await writeFile(chain, lines.join('\n'));
    const tampered = await createDashboard({ dir: copy.dir });
    const page = await get('/ledger', tampered);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('broken');
    expect(html).toContain('First bad entry');
    expect(html).toContain('role="alert"');
    const overview = await get('/', tampered);
    expect(overview.status).toBe(200);
    const status = (await (await get('/api/ledger/verify', tampered)).json()) as {
      report: { ok: boolean; firstBad?: { seq: number } };
    };
    expect(status.report.ok).toBe(false);
    expect(status.report.firstBad?.seq).toBe(1);
  });
});

describe('goals', () => {
  it('shows the tree with owners, blockers and roll-up, and what is due for review', async () => {
    const html = await (await get('/goals')).text();
    expect(html).toContain('1,000 free subscribers');
    expect(html).toContain('owner_decision_pending');
    expect(html).toContain('aria-label="Progress of g_quality"');
    expect(html).toMatch(/strategic review<\/span> [^<]*weekly/);
  });
});

describe('org chart', () => {
  it('says when each member wakes next and why', async () => {
    const html = await (await get('/org')).text();
    expect(html).toContain('daily cadence, last run');
    expect(html).toContain('due now: weekly, no run yet');
    expect(html).toContain('per publication: when the group asks');
    expect(html).toContain('when a message or the owner wakes it');
  });
});

describe('budgets', () => {
  it('alerts at 80% and 100% of a budget from the spend records in the ledger', async () => {
    const copy = await copyGroup();
    const ledger = await openLedger(join(copy.dir, 'ledger'));
    const treasury = createTreasury({ dir: join(copy.dir, 'treasury'), ledger });
    await treasury.recordSpend({
      amount: '4.20',
      modelClass: 'bulk-cheap',
      description: 'batch summaries',
    });
    await treasury.recordSpend({
      amount: '15.00',
      modelClass: 'frontier-reasoning',
      description: 'strategy',
    });
    await ledger.close();
    const budgets = await createDashboard({ dir: copy.dir });
    const overview = await (await get('/', budgets)).text();
    expect(overview).toContain('model class bulk-cheap: 4.20 USD of 5.00 USD');
    expect(overview).toContain('>84%<');
    expect(overview).toContain('model class frontier-reasoning: 15.00 USD of 15.00 USD');
    expect(overview).toContain('>100%<');
    const page = await (await get('/budgets', budgets)).text();
    expect(page).toContain('19.20 USD');
    const api = (await (await get('/api/budgets', budgets)).json()) as {
      alerts: { level: string }[];
    };
    expect(api.alerts.map((alert) => alert.level).sort()).toEqual(['exceeded', 'warning']);
  });
});

describe('approvals over the JSON API', () => {
  it('approves with the CSRF header, answers 404 for an unknown id and 409 when not pending', async () => {
    const id = await requestApproval(group.dir, {
      actor: 'critic',
      capability: 'publish:newsletter',
      action: { issue: 9 },
    });
    const call = (path: string, headers: Record<string, string> = {}) =>
      dashboard.app.request(path, { method: 'POST', headers: { ...auth(), ...headers } });
    expect((await call(`/api/approvals/${id}/approve`)).status).toBe(403);
    const approved = await call(`/api/approvals/${id}/approve`, {
      'x-csrf-token': dashboard.csrfToken,
    });
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ ok: true });
    const again = await call(`/api/approvals/${id}/deny`, { 'x-csrf-token': dashboard.csrfToken });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ ok: false, code: 'not-pending' });
    const unknown = await call('/api/approvals/apr_01JZ0000000000000000000000/approve', {
      'x-csrf-token': dashboard.csrfToken,
    });
    expect(unknown.status).toBe(404);
    expect(
      (await call(`/api/approvals/${id}/launch`, { 'x-csrf-token': dashboard.csrfToken })).status,
    ).toBe(404);
  });
});

describe('mistakes in the group files', () => {
  it('shows where a malformed goals file or treasury file is wrong, with file, line and column', async () => {
    const copy = await copyGroup();
    await writeFile(
      join(copy.dir, 'goals', 'current.yaml'),
      'active_goals:\n  - id: "g_x"\n    statment: "typo"\n',
    );
    await writeFile(
      join(copy.dir, 'treasury', 'balances.yaml'),
      'financial:\n  budget_weekly: [oops\n',
    );
    const broken = await createDashboard({ dir: copy.dir });
    const goals = await get('/goals', broken);
    expect(goals.status).toBe(200);
    const goalsHtml = await goals.text();
    expect(goalsHtml).toContain('Could not read goals/current.yaml');
    expect(goalsHtml).toMatch(/current\.yaml:\d+:\d+: /);
    const budgets = await (await get('/budgets', broken)).text();
    expect(budgets).toContain('Could not read the treasury');
    expect(budgets).toMatch(/balances\.yaml:\d+:\d+: /);
    const api = (await (await get('/api/goals', broken)).json()) as { error: string };
    expect(api.error).toMatch(/current\.yaml:\d+:\d+: /);
  });
});
