/// <reference lib="dom" />
/**
 * The dashboard in a real browser: Debian's Chromium (never a downloaded one) driven by
 * playwright-core, headless and kept off the network, against a served copy of
 * examples/newsletter-co with a run in progress.
 */
import { access, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendSteps,
  copyGroup,
  finishRun,
  type GroupFixture,
  parkRun,
  requestApproval,
  startRun,
} from '../test/group-fixture';
import { type ServedDashboard, serveDashboard } from './serve-dashboard';

const CHROMIUM = process.env.KARNEL_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The flags that keep Chromium headless and off the network. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let group: GroupFixture;
let served: ServedDashboard;
let context: BrowserContext;
let page: Page;
let approvalId: string;
let parkedRun: string;
let base: string;

async function axe(
  target: Page,
): Promise<{ id: string; impact: string; help: string; nodes: string[] }[]> {
  const source = await readFile(AXE, 'utf8');
  await target.evaluate(source);
  return target.evaluate(async () => {
    const result = await (
      globalThis as unknown as {
        axe: {
          run: (options: unknown) => Promise<{
            violations: {
              id: string;
              impact: string;
              help: string;
              nodes: { target: string[] }[];
            }[];
          }>;
        };
      }
    ).axe.run({ resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => node.target.join(' ')),
    }));
  });
}

beforeAll(async () => {
  await access(CHROMIUM).catch(() => {
    throw new Error(
      `Chromium is not at ${CHROMIUM}: apt-get install chromium (.ci/run does this as root), or set KARNEL_CHROMIUM`,
    );
  });
  group = await copyGroup();
  approvalId = await requestApproval(group.dir);
  parkedRun = await startRun(group.dir, 'writer');
  await appendSteps(group.dir, parkedRun);
  await parkRun(group.dir, parkedRun, approvalId);
  served = await serveDashboard({ dir: group.dir, port: 0, signer: group.owner, pollMs: 100 });
  base = `http://127.0.0.1:${served.port}`;
  const profile = await mkdtemp(join(tmpdir(), 'karnel-dashboard-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.goto(served.url);
});

afterAll(async () => {
  await context?.close();
  await served?.close();
});

describe('the dashboard in Chromium', () => {
  it('trades the token in the address for a cookie and opens "What needs me"', async () => {
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    await expect(page.locator('h1').textContent()).resolves.toBe('What needs me');
    expect(await page.locator('#runs-live').textContent()).toContain(parkedRun);
  });

  it('updates the live region when a record is appended to the ledger', async () => {
    await page.goto(`${base}/runs`);
    await page.waitForFunction(() =>
      document.getElementById('live-status')?.textContent?.startsWith('Live'),
    );
    const runId = await startRun(group.dir, 'researcher');
    await page.locator('#runs-live').getByText(runId).waitFor();
    expect(await page.locator('#runs-live').textContent()).toContain('researcher');
  });

  it('approves the pending request; the parked run resumes', async () => {
    await page.goto(`${base}/approvals`);
    await page.getByRole('button', { name: /Approve publish:newsletter/ }).click();
    await page.locator('.flash.ok').waitFor();
    expect(await page.locator('.flash.ok').textContent()).toContain(`approved ${approvalId}`);
    expect(await page.locator(`#${approvalId}`).textContent()).toContain('approved');
    await page.goto(`${base}/runs`);
    expect(await page.locator('#runs-live').textContent()).toContain(`waits on ${approvalId}`);
    await page.waitForFunction(() =>
      document.getElementById('live-status')?.textContent?.startsWith('Live'),
    );
    // The executor resumes the run once the signed approval is in the ledger.
    await appendSteps(group.dir, parkedRun, 2);
    await page.waitForFunction(
      (id) => !document.getElementById('runs-live')?.textContent?.includes(`waits on ${id}`),
      approvalId,
    );
    expect(await page.locator('#runs-live').textContent()).toContain(parkedRun);
    await page.goto(`${base}/runs/${parkedRun}`);
    await page.getByText('Raw records').waitFor();
    expect(await page.locator('#h-steps + .table-wrap').textContent()).toContain('mock:model-v1');
    // The run's page is live too: the run finishing shows without a reload.
    await page.waitForFunction(() =>
      document.getElementById('live-status')?.textContent?.startsWith('Live'),
    );
    await finishRun(group.dir, parkedRun, 'writer');
    await page.locator('#run-live').getByText('succeeded').waitFor();
    expect(await page.locator('#run-live').textContent()).toContain('0.0125');
    await page.screenshot({ path: join(SCREENSHOTS, 'run-detail.png'), fullPage: true });
  });

  it('lists a newly filed request under "What needs me"', async () => {
    await requestApproval(group.dir, {
      actor: 'researcher',
      capability: 'publish:social',
      action: { post: 'issue 7 teaser', amount: '4.00' },
      reason: 'posting the teaser needs the owner',
    });
    await page.goto(`${base}/`);
    expect(await page.locator('#pending-live').textContent()).toContain('1 waiting');
    expect(await page.locator('#pending-live').textContent()).toContain('posting the teaser');
    // The list is live: a request filed while the page is open appears without a reload.
    await page.waitForFunction(() =>
      document.getElementById('live-status')?.textContent?.startsWith('Live'),
    );
    await requestApproval(group.dir, {
      actor: 'critic',
      capability: 'publish:newsletter',
      action: { issue: 8 },
      reason: 'issue 8 is ready for the owner',
    });
    await page.locator('#pending-live').getByText('issue 8 is ready for the owner').waitFor();
    expect(await page.locator('#pending-live').textContent()).toContain('2 waiting');
  });

  it('turns safe mode on and off', async () => {
    await page.goto(`${base}/`);
    await page.getByRole('button', { name: 'Turn safe mode on' }).click();
    await page.locator('.flash.ok').waitFor();
    expect(await page.locator('header .badge').textContent()).toBe('Safe mode on');
    await page.getByRole('button', { name: 'Turn safe mode off' }).click();
    await page.locator('.flash.ok').waitFor();
    expect(await page.locator('.flash.ok').textContent()).toBe('safe mode off');
    expect(await page.locator('header .badge').textContent()).toBe('Safe mode off');
  });

  it("opens a ledger entry's inclusion proof", async () => {
    await page.goto(`${base}/ledger`);
    expect(await page.locator('#h-verify + dl').textContent()).toContain('intact');
    await page.getByRole('link', { name: '1', exact: true }).click();
    await page.getByRole('link', { name: 'Show the inclusion proof' }).click();
    await page.getByRole('heading', { name: 'Inclusion proof' }).waitFor();
    expect(await page.locator('#proof').textContent()).toContain('Tree size');
    await page.screenshot({ path: join(SCREENSHOTS, 'ledger-proof.png'), fullPage: true });
  });

  it('works from the keyboard: skip link first, then the navigation', async () => {
    await page.goto(`${base}/`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('What needs me');
  });

  describe('every screen', () => {
    beforeAll(async () => {
      // Something to decide, for the screenshots: safe mode above cancelled the earlier requests.
      await requestApproval(group.dir, {
        actor: 'writer',
        capability: 'publish:newsletter',
        action: { issue: 10, amount: '18.00' },
        reason: 'issue 10 passed the critic and the strategist',
      });
    });

    const SCREENS = [
      ['overview', '/'],
      ['org-chart', '/org'],
      ['goals', '/goals'],
      ['approvals', '/approvals'],
      ['runs', '/runs'],
      ['ledger', '/ledger'],
      ['budgets', '/budgets'],
      ['memory-and-skills', '/memory?q=newsletter'],
    ] as const;

    it.each(SCREENS)(
      '%s passes axe with no serious violation, at 1280 px and at phone width',
      async (name, path) => {
        for (const [width, suffix] of [
          [1280, ''],
          [390, '-phone'],
        ] as const) {
          await page.setViewportSize({ width, height: 900 });
          await page.goto(`${base}${path}`);
          const violations = (await axe(page)).filter(
            (violation) => violation.impact === 'serious' || violation.impact === 'critical',
          );
          expect(violations).toEqual([]);
          // Nothing but the scrollable table regions may be wider than the window.
          const wide = await page.evaluate(() =>
            [...document.querySelectorAll('body *')]
              .filter(
                (element) =>
                  !element.closest('.table-wrap') &&
                  element.getBoundingClientRect().right > window.innerWidth + 1,
              )
              .map((element) => `${element.tagName.toLowerCase()}.${element.className}`),
          );
          expect(wide).toEqual([]);
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          expect(overflow).toBeLessThanOrEqual(0);
          if (suffix === '' || name === 'overview')
            await page.screenshot({
              path: join(SCREENSHOTS, `${name}${suffix}.png`),
              fullPage: true,
            });
        }
        await page.setViewportSize({ width: 1280, height: 900 });
      },
    );
  });
});
