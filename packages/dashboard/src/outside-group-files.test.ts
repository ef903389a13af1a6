/**
 * Group files swapped, while the dashboard serves, for symbolic links to a secret outside the
 * group: no page and no API answer carries the secret, and the pages say which file was refused.
 */
import { readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendSteps,
  copyGroup,
  finishRun,
  type GroupFixture,
  startRun,
} from '../test/group-fixture';
import { createDashboard, type Dashboard } from './create-dashboard';

const SECRET = 'SECRET-KEY-MATERIAL-a81b';

let group: GroupFixture;
let dashboard: Dashboard;
let runId: string;

const get = (path: string) =>
  dashboard.app.request(path, { headers: { authorization: `Bearer ${dashboard.token}` } });

/** Moves `file` (relative to the group) outside, with the secret in it, and links it back. */
async function swapForLink(file: string, edit: (text: string) => string) {
  const inside = join(group.dir, file);
  const outside = join(group.dir, '..', file.replaceAll('/', '_'));
  await rename(inside, outside);
  await writeFile(outside, edit(await readFile(outside, 'utf8')));
  await symlink(outside, inside);
}

beforeAll(async () => {
  group = await copyGroup();
  runId = await startRun(group.dir, 'researcher');
  await appendSteps(group.dir, runId);
  await finishRun(group.dir, runId, 'researcher');
  dashboard = await createDashboard({ dir: group.dir, pollMs: 50 });
  // Warm the views first: the files change while the dashboard is up.
  expect((await get('/goals')).status).toBe(200);
  await swapForLink('goals/current.yaml', (text) =>
    text.replace('5K weekly visitors via SEO', SECRET),
  );
  await swapForLink(
    'memory/episodic.jsonl',
    (text) =>
      `${text}${JSON.stringify({ id: 'epi_01HZX3K0V8Q5T2N7R4M6W9YB1C', at: '2026-12-01T00:00:00.000Z', kind: 'note', text: `newsletter ${SECRET}` })}\n`,
  );
  await swapForLink(`ledger/runs/${runId}/steps.jsonl`, (text) =>
    text.replace(/\n$/, `\n{"kind":"tool","tool":"note","output":"${SECRET}"}\n`),
  );
});

afterAll(async () => {
  await rm(join(group.dir, '..'), { recursive: true, force: true });
});

describe('the dashboard never serves a group file that a symlink leads out of the group', () => {
  it.each([
    '/goals',
    '/api/goals',
    '/memory?q=newsletter',
    '/api/memory?q=newsletter',
    '/runs/RUN',
    '/api/runs/RUN',
    '/',
  ])('%s does not carry the secret', async (path) => {
    const response = await get(path.replace('RUN', runId));
    const text = await response.text();
    expect(text).not.toContain(SECRET);
    // Each answers (a page or the refusal), never a stack trace.
    expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    if (path.includes('RUN')) expect(text).toContain('leads outside');
  });

  it('the goals page names the refused file', async () => {
    const text = await (await get('/goals')).text();
    expect(text).toContain('leads outside');
    expect(text).toContain('goals/current.yaml');
  });
});
