import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Clock, readPrivateKeyFile, type Signer, systemClock } from '@karnel/core';
import {
  type Checkpoint,
  type LedgerEntry,
  parseCheckpoint,
  SNAPSHOT_TYPE,
  type VerifyReport,
  verifyLedger,
} from '@karnel/ledger';
import { detectDirectoryKind } from '@karnel/manifest';
import { type Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { streamSSE } from 'hono/streaming';
import { loadAssets } from './assets';
import { DashboardDirectoryError } from './errors';
import { GroupActions } from './group-actions';
import { GroupReader, type Section } from './group-reader';
import type { RunSummary } from './runs-view';
import {
  createDashboardToken,
  csrfTokenFor,
  requireCsrf,
  requireToken,
  securityHeaders,
} from './security';
import { ApprovalsPage } from './views/approvals-page';
import { BudgetsPage } from './views/budgets-page';
import { GoalsPage } from './views/goals-page';
import { Layout, Problem } from './views/layout';
import {
  EntryPage,
  LEDGER_FILTERS,
  LedgerPage,
  type LedgerStatus,
  ProofView,
} from './views/ledger-page';
import { MemoryPage } from './views/memory-page';
import { OrgPage } from './views/org-page';
import { type OverviewData, OverviewPage, PendingApprovals } from './views/overview-page';
import { RunsLive } from './views/runs-live';
import { RunDetails, RunPage, RunsPage } from './views/runs-page';

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  /** The group directory to show. */
  readonly dir: string;
  /** The access token every request needs. Default: a fresh random token (see {@link Dashboard.token}). */
  readonly token?: string;
  /**
   * The operator's key, used on the server to sign approvals and safe-mode changes; the browser
   * never sees it. Without it the dashboard is read-only.
   */
  readonly signer?: Signer;
  /** A private key file to read the signer from (`karnel keys` format), instead of `signer`. */
  readonly keyFile?: string;
  /** A checkpoint note kept elsewhere: the ledger is verified against it and it is shown as the last checkpoint. */
  readonly checkpointFile?: string;
  /** How often the live stream looks for new ledger entries, in milliseconds. Default 500. */
  readonly pollMs?: number;
  /** The clock for approvals, safe mode and budget periods. Default: the system clock. */
  readonly clock?: Clock;
}

/** A dashboard application: a Hono app to serve or to call with `app.request()`. */
export interface Dashboard {
  /** The interface version. */
  readonly specificationVersion: 'v1';
  /** The Hono application (`app.fetch` is a standard fetch handler). */
  readonly app: Hono;
  /** The access token: `?token=` once, then a cookie; or `Authorization: Bearer`. */
  readonly token: string;
  /** The CSRF token state-changing requests carry (`_csrf` field or `x-csrf-token` header). */
  readonly csrfToken: string;
  /** The operator identity that signs mutations, when a key was given. */
  readonly signerDid?: string;
}

type Queued = { member: string; kind: string; detail: string; at: string }[];

function jsonSafe(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_key, item) => (typeof item === 'bigint' ? item.toString() : item)),
  );
}

function sectionJson<T>(value: Section<T>): unknown {
  return value.ok
    ? jsonSafe(value.value)
    : { error: `could not read ${value.what}: ${value.message}` };
}

/**
 * Creates the dashboard for a group directory: server-rendered pages (Hono JSX), htmx with
 * server-sent events for the live regions, and a JSON API under `/api` built on the same
 * reads. Every request needs the token; every state-changing one the CSRF token. Approvals and
 * safe mode go through `@karnel/policy`'s signed path, as `karnel approvals` and
 * `karnel safe-mode` do, and are recorded in the group ledger.
 *
 * @throws {DashboardDirectoryError} when `dir` is not a group directory.
 *
 * @example
 * ```ts
 * const dashboard = await createDashboard({ dir: './newsletter-co' });
 * const response = await dashboard.app.request('/org', {
 *   headers: { authorization: `Bearer ${dashboard.token}` },
 * });
 * ```
 */
export async function createDashboard(options: DashboardOptions): Promise<Dashboard> {
  const dir = resolve(options.dir);
  const detected = await detectDirectoryKind(dir, { displayPath: options.dir });
  if (detected.kind !== 'group')
    throw new DashboardDirectoryError({
      dir: options.dir,
      diagnostics: detected.diagnostics,
      message:
        detected.kind === 'agent'
          ? `${options.dir} is an agent directory; the dashboard shows a group`
          : `${options.dir} is not a group directory: ${detected.diagnostics[0]?.message ?? 'no manifest.yaml'}`,
    });
  const clock = options.clock ?? systemClock;
  const token = options.token ?? createDashboardToken();
  if (token.length < 16) throw new RangeError('the dashboard token must be at least 16 characters');
  const csrf = csrfTokenFor(token);
  const signer =
    options.signer ?? (options.keyFile ? await readPrivateKeyFile(options.keyFile) : undefined);
  const reader = new GroupReader(dir, clock);
  const actions = signer ? new GroupActions(dir, signer) : undefined;
  const assets = await loadAssets();
  const pollMs = options.pollMs ?? 500;
  const flashes = new Map<string, { ok: boolean; message: string }>();
  let verified: { version: string; report: VerifyReport; checkpoint?: string } | undefined;

  const app = new Hono();
  app.use('*', securityHeaders);
  app.use('*', requireToken(token));
  app.use('*', requireCsrf(csrf));

  for (const [path, asset] of assets) {
    app.get(path, (c) => {
      c.header('Cache-Control', 'private, max-age=3600');
      return c.body(asset.body, 200, { 'Content-Type': asset.type });
    });
  }

  const groupName = async () => {
    try {
      return (await reader.group()).name;
    } catch {
      return dir;
    }
  };

  const page = async (
    c: Context,
    current: string,
    title: string,
    body: Child,
    status: 200 | 404 = 200,
  ) => {
    const flashId = c.req.query('flash');
    const flash = flashId ? flashes.get(flashId) : undefined;
    const safe = await reader.section('safe mode', () => reader.safeMode());
    return c.html(
      `<!doctype html>${(
        (
          <Layout
            title={title}
            group={await groupName()}
            current={current}
            {...(safe.ok ? { safeMode: safe.value.active } : {})}
            {...(flash ? { flash } : {})}
          >
            {body}
          </Layout>
        )
      ).toString()}`,
      status,
    );
  };

  const remember = (result: { ok: boolean; message: string }) => {
    const id = randomBytes(9).toString('base64url');
    flashes.set(id, { ok: result.ok, message: result.message });
    if (flashes.size > 100) flashes.delete(flashes.keys().next().value as string);
    return id;
  };

  const queuedWakes = async (): Promise<Queued> => {
    const members = await reader.org();
    return members.flatMap((member) =>
      member.queued.map((wake) => ({ member: member.role, ...wake })),
    );
  };

  const overview = async (): Promise<Omit<OverviewData, 'csrf' | 'canSign'>> => {
    const [approvals, escalations, members, budgets, safeMode, runs] = await Promise.all([
      reader.section('the approval queue', () => reader.approvals()),
      reader.section('escalations', () => reader.escalations()),
      reader.section('the members', () => reader.org()),
      reader.section('the treasury', () => reader.budgets()),
      reader.section('safe mode', () => reader.safeMode()),
      reader.section('the runs', () => reader.runs()),
    ]);
    const queued = members.ok
      ? members.value.flatMap((member) =>
          member.queued.map((wake) => ({ member: member.role, ...wake })),
        )
      : [];
    return {
      approvals,
      escalations,
      members,
      alerts: budgets.ok ? { ok: true, value: budgets.value.alerts } : budgets,
      safeMode,
      runs,
      queued,
    };
  };

  const ledgerStatus = async (): Promise<LedgerStatus> => {
    const snapshot = await reader.snapshot();
    if (verified?.version !== snapshot.version) {
      let checkpointText: string | undefined;
      let checkpoint: Checkpoint | undefined;
      if (options.checkpointFile) {
        const parsed = parseCheckpoint(
          await readFile(options.checkpointFile, 'utf8'),
          options.checkpointFile,
        );
        checkpoint = parsed.checkpoint;
        checkpointText = checkpoint
          ? `${checkpoint.size} entries, root ${checkpoint.root} (${options.checkpointFile})`
          : `${options.checkpointFile} is not a checkpoint: ${parsed.diagnostics[0]?.message ?? ''}`;
      } else {
        const last = [...snapshot.entries].reverse().find((entry) => entry.type === SNAPSHOT_TYPE);
        if (last) checkpointText = `signed snapshot at entry #${last.seq} (${last.time})`;
      }
      const report = await verifyLedger(reader.ledgerDir, {
        root: true,
        ...(checkpoint ? { checkpoint } : {}),
      });
      verified = {
        version: snapshot.version,
        report,
        ...(checkpointText ? { checkpoint: checkpointText } : {}),
      };
    }
    return {
      report: verified.report,
      ...(verified.checkpoint ? { checkpoint: verified.checkpoint } : {}),
      size: snapshot.entries.length,
      ...(snapshot.problem ? { problem: snapshot.problem } : {}),
    };
  };

  const timeline = async (filter: string, before?: number): Promise<LedgerEntry[]> => {
    const prefixes = LEDGER_FILTERS[filter] ?? [];
    const snapshot = await reader.snapshot();
    const result: LedgerEntry[] = [];
    for (let index = snapshot.entries.length - 1; index >= 0 && result.length < 50; index -= 1) {
      const entry = snapshot.entries[index] as LedgerEntry;
      if (before !== undefined && entry.seq >= before) continue;
      if (prefixes.length > 0 && !prefixes.some((prefix) => entry.type.startsWith(prefix)))
        continue;
      result.push(entry);
    }
    return result;
  };

  const findEntry = async (seq: number) =>
    (await reader.snapshot()).entries.find((entry) => entry.seq === seq);

  const parseSeq = (text: string) => (/^\d{1,12}$/.test(text) ? Number(text) : undefined);

  // Pages.
  app.get('/', async (c) => {
    const data = await overview();
    return page(
      c,
      '/',
      'What needs me',
      <OverviewPage data={{ ...data, csrf, canSign: !!actions }} />,
    );
  });
  app.get('/org', async (c) => {
    const members = await reader.section('the members', () => reader.org());
    return page(
      c,
      '/org',
      'Org chart',
      members.ok ? <OrgPage members={members.value} /> : <Problem problem={members} />,
    );
  });
  app.get('/goals', async (c) => {
    const goals = await reader.section('goals/current.yaml', () => reader.goals());
    return page(
      c,
      '/goals',
      'Goals',
      goals.ok ? (
        <GoalsPage
          rows={goals.value.rows}
          due={goals.value.due}
          {...(goals.value.file.mission ? { mission: goals.value.file.mission } : {})}
          {...(goals.value.file.review_cadence?.strategic
            ? { review: goals.value.file.review_cadence.strategic }
            : {})}
        />
      ) : (
        <Problem problem={goals} />
      ),
    );
  });
  app.get('/approvals', async (c) => {
    const approvals = await reader.section('the approval queue', () => reader.approvals());
    return page(
      c,
      '/approvals',
      'Approvals',
      approvals.ok ? (
        <ApprovalsPage
          approvals={approvals.value}
          csrf={csrf}
          canSign={!!actions}
          {...(actions ? { signerDid: actions.did } : {})}
        />
      ) : (
        <Problem problem={approvals} />
      ),
    );
  });
  app.get('/runs', async (c) => {
    const runs = await reader.section('the runs', () => reader.runs());
    const queued = await queuedWakes().catch(() => []);
    return page(
      c,
      '/runs',
      'Runs',
      runs.ok ? <RunsPage runs={runs.value} queued={queued} /> : <Problem problem={runs} />,
    );
  });
  app.get('/runs/:id', async (c) => {
    const run = await reader.run(c.req.param('id'));
    if (!run) return page(c, '/runs', 'Run not found', <p>The ledger has no such run.</p>, 404);
    return page(
      c,
      '/runs',
      `Run ${run.summary.runId}`,
      <RunPage summary={run.summary} files={run.files} entries={run.entries} />,
    );
  });
  app.get('/ledger', async (c) => {
    const filter = c.req.query('filter') ?? 'all';
    if (!(filter in LEDGER_FILTERS))
      return page(c, '/ledger', 'Unknown filter', <p>No such filter.</p>, 404);
    const before =
      c.req.query('before') === undefined ? undefined : parseSeq(c.req.query('before') as string);
    const [entries, status] = await Promise.all([timeline(filter, before), ledgerStatus()]);
    return page(
      c,
      '/ledger',
      'Ledger',
      <LedgerPage
        entries={entries}
        filter={filter}
        status={status}
        {...(before !== undefined ? { before } : {})}
      />,
    );
  });
  app.get('/ledger/:seq', async (c) => {
    const seq = parseSeq(c.req.param('seq'));
    const entry = seq === undefined ? undefined : await findEntry(seq);
    if (!entry)
      return page(c, '/ledger', 'Entry not found', <p>The ledger has no such entry.</p>, 404);
    const proof = c.req.query('proof') ? await reader.proof(entry.seq) : undefined;
    return page(
      c,
      '/ledger',
      `Ledger entry #${entry.seq}`,
      <EntryPage entry={entry} {...(proof ? { proof } : {})} />,
    );
  });
  app.get('/ledger/:seq/proof', async (c) => {
    const seq = parseSeq(c.req.param('seq'));
    const proof = seq === undefined ? undefined : await reader.proof(seq);
    if (!proof) return c.html('<p>No such entry.</p>', 404);
    return c.html((<ProofView proof={proof} />).toString());
  });
  app.get('/budgets', async (c) => {
    const budgets = await reader.section('the treasury', () => reader.budgets());
    return page(
      c,
      '/budgets',
      'Budgets',
      budgets.ok ? <BudgetsPage view={budgets.value} /> : <Problem problem={budgets} />,
    );
  });
  app.get('/memory', async (c) => {
    const query = (c.req.query('q') ?? '').slice(0, 500);
    const [result, skills] = await Promise.all([
      query.trim()
        ? reader.section('memory', () => reader.searchMemory(query))
        : Promise.resolve(undefined),
      reader.section('the skills', () => reader.skills()),
    ]);
    return page(
      c,
      '/memory',
      'Memory and skills',
      <MemoryPage query={query} skills={skills} {...(result ? { result } : {})} />,
    );
  });

  // Mutations: forms post here, then see the page again (post/redirect/get).
  const noKey = {
    ok: false as const,
    code: 'read-only',
    message: 'the dashboard was started without a key (--key); it cannot sign',
  };
  app.post('/approvals/:id/:decision{approve|deny}', async (c) => {
    const decision = c.req.param('decision') as 'approve' | 'deny';
    const result = actions ? await actions.decide(c.req.param('id'), decision) : noKey;
    return c.redirect(`/approvals?flash=${remember(result)}`, 303);
  });
  app.post('/safe-mode', async (c) => {
    const body = await c.req.parseBody();
    const on = body.on === 'true';
    const reason =
      typeof body.reason === 'string' && body.reason.trim()
        ? body.reason.slice(0, 500)
        : `turned ${on ? 'on' : 'off'} from the dashboard`;
    const result = actions ? await actions.safeMode(on, reason) : noKey;
    return c.redirect(`/?flash=${remember(result)}`, 303);
  });

  // JSON API, on the same reads.
  app.get('/api/overview', async (c) => {
    const data = await overview();
    return c.json({
      approvals: sectionJson(data.approvals),
      escalations: sectionJson(data.escalations),
      members: sectionJson(data.members),
      budgetAlerts: sectionJson(data.alerts),
      safeMode: sectionJson(data.safeMode),
      runs: sectionJson(data.runs),
      queued: data.queued,
    });
  });
  app.get('/api/session', (c) => c.json({ csrfToken: csrf, signer: actions?.did ?? null }));
  app.get('/api/org', async (c) =>
    c.json(sectionJson(await reader.section('the members', () => reader.org()))),
  );
  app.get('/api/goals', async (c) =>
    c.json(sectionJson(await reader.section('goals', () => reader.goals()))),
  );
  app.get('/api/approvals', async (c) =>
    c.json(sectionJson(await reader.section('the approval queue', () => reader.approvals()))),
  );
  app.post('/api/approvals/:id/:decision{approve|deny}', async (c) => {
    const result = actions
      ? await actions.decide(c.req.param('id'), c.req.param('decision') as 'approve' | 'deny')
      : noKey;
    return c.json(result, result.ok ? 200 : result.code === 'not-found' ? 404 : 409);
  });
  app.get('/api/safe-mode', async (c) =>
    c.json(sectionJson(await reader.section('safe mode', () => reader.safeMode()))),
  );
  app.post('/api/safe-mode', async (c) => {
    let body: { on?: unknown; reason?: unknown };
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: 'send JSON: {"on": true|false, "reason": "…"}' }, 400);
    }
    if (typeof body.on !== 'boolean') return c.json({ error: '"on" must be true or false' }, 400);
    const reason =
      typeof body.reason === 'string' && body.reason.trim()
        ? body.reason.slice(0, 500)
        : `turned ${body.on ? 'on' : 'off'} through the dashboard API`;
    const result = actions ? await actions.safeMode(body.on, reason) : noKey;
    return c.json(result, result.ok ? 200 : 409);
  });
  app.get('/api/runs', async (c) =>
    c.json(sectionJson(await reader.section('the runs', () => reader.runs()))),
  );
  app.get('/api/runs/:id', async (c) => {
    const run = await reader.run(c.req.param('id'));
    return run ? c.json(jsonSafe(run)) : c.json({ error: 'no such run' }, 404);
  });
  app.get('/api/ledger', async (c) => {
    const filter = c.req.query('filter') ?? 'all';
    if (!(filter in LEDGER_FILTERS))
      return c.json(
        { error: `unknown filter; expected one of ${Object.keys(LEDGER_FILTERS).join(', ')}` },
        400,
      );
    const beforeText = c.req.query('before');
    const before = beforeText === undefined ? undefined : parseSeq(beforeText);
    return c.json({ entries: await timeline(filter, before) });
  });
  app.get('/api/ledger/verify', async (c) => c.json(jsonSafe(await ledgerStatus())));
  app.get('/api/ledger/:seq', async (c) => {
    const seq = parseSeq(c.req.param('seq'));
    const entry = seq === undefined ? undefined : await findEntry(seq);
    return entry ? c.json(entry) : c.json({ error: 'no such entry' }, 404);
  });
  app.get('/api/ledger/:seq/proof', async (c) => {
    const seq = parseSeq(c.req.param('seq'));
    const proof = seq === undefined ? undefined : await reader.proof(seq);
    return proof ? c.json(proof) : c.json({ error: 'no such entry' }, 404);
  });
  app.get('/api/budgets', async (c) => {
    const budgets = await reader.section('the treasury', () => reader.budgets());
    if (!budgets.ok) return c.json(sectionJson(budgets));
    const { format: _format, ...rest } = budgets.value;
    return c.json(jsonSafe(rest));
  });
  app.get('/api/memory', async (c) => {
    const query = (c.req.query('q') ?? '').slice(0, 500);
    if (!query.trim()) return c.json({ error: 'pass ?q=<words>' }, 400);
    return c.json(sectionJson(await reader.section('memory', () => reader.searchMemory(query))));
  });
  app.get('/api/skills', async (c) =>
    c.json(sectionJson(await reader.section('the skills', () => reader.skills()))),
  );

  // Live regions: the runs table, redrawn whenever the ledger grows.
  app.get('/events', (c) => {
    const runId = c.req.query('run');
    return streamSSE(c, async (stream) => {
      let version = '';
      let closed = false;
      stream.onAbort(() => {
        closed = true;
      });
      while (!closed) {
        const snapshot = await reader.snapshot();
        if (snapshot.version !== version) {
          version = snapshot.version;
          let runs: RunSummary[] = [];
          let queued: Queued = [];
          try {
            [runs, queued] = await Promise.all([reader.runs(), queuedWakes()]);
          } catch {
            // The pages show why; the live region keeps its last content.
          }
          const approvals = await reader.section('the approval queue', () => reader.approvals());
          await stream.writeSSE({
            event: 'approvals',
            data: (<PendingApprovals approvals={approvals} />).toString(),
          });
          if (runId) {
            const run = await reader.run(runId).catch(() => undefined);
            if (run)
              await stream.writeSSE({
                event: 'run',
                data: (<RunDetails summary={run.summary} files={run.files} />).toString(),
              });
          }
          await stream.writeSSE({
            event: 'runs',
            data: (<RunsLive runs={runs} queued={queued} />).toString(),
          });
        }
        await stream.sleep(pollMs);
      }
    });
  });

  app.notFound((c) =>
    c.req.path.startsWith('/api/')
      ? c.json({ error: 'not found' }, 404)
      : c.html(
          '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found · Karnel</title><link rel="stylesheet" href="/assets/dashboard.css"></head><body><main id="main"><h1>Not found</h1><p><a href="/">What needs me</a></p></main></body></html>',
          404,
        ),
  );
  app.onError((error, c) => {
    const message = error instanceof Error ? error.message : String(error);
    return c.req.path.startsWith('/api/')
      ? c.json({ error: message }, 500)
      : c.html(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error · Karnel</title></head><body><main><h1>Something went wrong</h1><p>${message.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)}</p></main></body></html>`,
          500,
        );
  });

  return {
    specificationVersion: 'v1',
    app,
    token,
    csrfToken: csrf,
    ...(actions ? { signerDid: actions.did } : {}),
  };
}
