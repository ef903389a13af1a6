import type { Message, Money } from '@karnel/coordination';
import { moneySchema } from '@karnel/coordination';
import type { AuditLog, LedgerReader, Signer } from '@karnel/core';
import { z } from 'zod';
import type { AdapterCheck, CostEstimate, ForeignAgentAdapter } from './adapter';
import { defineAdapter, type PerformAnswer, type PerformContext } from './define-adapter';
import { AdapterError } from './errors';
import { fetchWithRetry } from './fetch-with-retry';
import { createHermesCliTransport, type HermesCliOptions } from './hermes-cli';
import { retryDelay, sleep } from './retry';
import { resolveSecretReference } from './secret-reference';
import { readServerSentEvents } from './server-sent-events';

/**
 * What the Hermes adapter needs of Karnel's signed approval queue. `@karnel/policy`'s
 * `ApprovalQueue` (from `createApprovalQueue` or `openPolicyDirectory`) satisfies it.
 */
export interface ApprovalQueuePort {
  /** Opens a request bound to the hash of `action`. */
  request(request: {
    actor: string;
    capability: string;
    action: unknown;
    reason?: string;
    requester?: Signer;
  }): Promise<{
    /** The request id (`apr_…`). */
    readonly id: string;
  }>;
  /** The request as it now stands, from the ledger. */
  get(id: string): Promise<
    | {
        /** `pending`, `approved`, `denied`, `used` … */
        readonly status: string;
      }
    | undefined
  >;
  /** Uses an approved request once, for exactly this action and capability. */
  use(
    id: string,
    action: unknown,
    options: { capability: string; actor?: string; executor?: Signer },
  ): Promise<{
    /** Whether the approval was used (it was approved, for this action, and not used before). */
    readonly ok: boolean;
    /** When refused: why, as a stable code (`not-approved`, `already-used` …). */
    readonly code?: string;
  }>;
}

/** Options of {@link createHermesAdapter}. */
export interface HermesAdapterOptions {
  /** The member's role. */
  readonly role: string;
  /**
   * The base URL of the Hermes API server (`http://127.0.0.1:8642`). Absent: the adapter runs
   * the `hermes` command instead (see {@link HermesAdapterOptions.cli}).
   */
  readonly endpoint?: string;
  /**
   * The command-line transport, used when no `endpoint` is given: each invocation runs
   * `hermes chat -q <prompt> -Q --source karnel --resume <session>`. Approvals cannot reach the
   * owner that way, so Hermes refuses what needs one.
   */
  readonly cli?: HermesCliOptions;
  /** The skill the Hermes agent runs for each task (`skill_to_invoke`). */
  readonly skillToInvoke?: string;
  /** The task classes the member accepts; absent means any. */
  readonly taskClasses?: readonly string[];
  /** The Hermes session, stable per member so its memory carries over. Default `karnel-<role>`. */
  readonly sessionId?: string;
  /** A reference (`env:NAME`, `file:/path`) to the server's `API_SERVER_KEY`. */
  readonly apiKey?: string;
  /** Where `env:` references are looked up. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** The group ledger; every Hermes event becomes an `adapter.progress` record. */
  readonly ledger?: AuditLog | (AuditLog & LedgerReader);
  /**
   * Karnel's signed approval queue. When a Hermes run waits on an approval, a request is opened
   * here and only the owner's signed decision, used once, is posted back. Without a queue every
   * Hermes approval is denied (fail closed).
   */
  readonly approvals?: ApprovalQueuePort;
  /** The identity that requests approvals and uses them (the runtime's worker key). */
  readonly signer?: Signer;
  /** How often a pending approval is looked at, in milliseconds. Default 1 000. */
  readonly approvalPollMs?: number;
  /** The limit of one request, in milliseconds (not of the event stream). Default 30 000. */
  readonly attemptTimeoutMs?: number;
  /** Retries of a request, and reconnections of the event stream. Default 4. */
  readonly retries?: number;
  /** The first backoff, in milliseconds. Default 250. */
  readonly baseDelayMs?: number;
  /** The longest wait between attempts, in milliseconds. Default 30 000. */
  readonly maxDelayMs?: number;
  /** What one run costs, when known. */
  readonly costPerInvocation?: Money;
  /** The fetch implementation. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/** The capability an approval of a Hermes run is requested under: `adapter.hermes:<role>`. */
export function hermesApprovalCapability(role: string): string {
  return `adapter.hermes:${role}`;
}

const capabilitiesSchema = z.looseObject({
  features: z.record(z.string(), z.unknown()).optional(),
  capabilities: z.array(z.string()).optional(),
});

const runCreatedSchema = z.looseObject({ run_id: z.string().min(1) });

const approvalEventSchema = z.looseObject({
  approval_id: z.string().min(1),
  description: z.string().default(''),
  command: z.string().optional(),
});

const completedEventSchema = z.looseObject({
  output: z.string().default(''),
  cost: moneySchema.optional(),
});

const failedEventSchema = z.looseObject({ error: z.string().default('the run failed') });

const MAX_EVENT_TEXT = 2_048;

function bounded(data: unknown): unknown {
  const text = JSON.stringify(data);
  return text.length <= MAX_EVENT_TEXT ? data : `${text.slice(0, MAX_EVENT_TEXT)}…`;
}

/** Renders an Annex C message as the input of a Hermes run: prose first, the JSON attached. */
export function renderHermesInput(message: Message): string {
  const lead =
    message.type === 'task'
      ? [message.payload.title, message.payload.instructions].filter(Boolean).join('\n\n')
      : `A ${message.type} message from ${message.from}.`;
  return `${lead}\n\nThe structured message (Karnel Annex C):\n${JSON.stringify(message, null, 2)}`;
}

function hasFeature(value: z.infer<typeof capabilitiesSchema>, name: string): boolean {
  return value.features?.[name] === true || (value.capabilities ?? []).includes(name);
}

function estimator(options: HermesAdapterOptions) {
  return async (message: Message): Promise<CostEstimate> => {
    if (options.costPerInvocation) return { cost: options.costPerInvocation, basis: 'configured' };
    if (message.type === 'task' && message.payload.budget)
      return { cost: message.payload.budget, basis: 'message-budget' };
    return { basis: 'unknown' };
  };
}

function createHermesCliAdapter(options: HermesAdapterOptions): ForeignAgentAdapter {
  const session = options.cli?.session ?? options.sessionId;
  const transport = createHermesCliTransport({
    ...options.cli,
    ...(session ? { session } : {}),
    role: options.role,
    ledger: options.ledger,
    render: renderHermesInput,
    ...(options.skillToInvoke ? { skillToInvoke: options.skillToInvoke } : {}),
  });
  return defineAdapter({
    type: 'hermes',
    role: options.role,
    taskClasses: options.taskClasses,
    ledger: options.ledger,
    check: transport.check,
    perform: transport.perform,
    estimateCost: estimator(options),
  });
}

/**
 * Creates the adapter of an agent hosted by Hermes. With an `endpoint`, it speaks to Hermes' API
 * server: `check()` reads `/health` and `/v1/capabilities` (fail closed without run submission
 * and stop); `invoke()` posts `/v1/runs` with the Karnel run id as `Idempotency-Key`, streams
 * the run's events into the ledger (reconnecting after a dropped stream), bridges approvals to
 * Karnel's signed approval queue, and `cancel()` posts `/v1/runs/{id}/stop`. Without one, it runs
 * the `hermes` command (`hermes chat -q … -Q --resume <session>`), the fallback transport. It
 * never asks Hermes to bypass approvals.
 */
export function createHermesAdapter(options: HermesAdapterOptions): ForeignAgentAdapter {
  if (options.endpoint === undefined) return createHermesCliAdapter(options);
  const {
    role,
    endpoint,
    skillToInvoke,
    sessionId = `karnel-${role}`,
    apiKey,
    environment = process.env,
    ledger,
    approvals,
    signer,
    approvalPollMs = 1_000,
    attemptTimeoutMs = 30_000,
    retries = 4,
    baseDelayMs = 250,
    maxDelayMs = 30_000,
    fetch: fetchImplementation = fetch,
  } = options;
  const base = new URL(endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new AdapterError({
      code: 'adapter/config',
      message: `the endpoint of ${role} must be an http:// or https:// URL, got ${endpoint}`,
    });
  const capability = hermesApprovalCapability(role);
  const hermesRuns = new Map<string, string>();
  const settings = { retries, baseDelayMs, maxDelayMs, attemptTimeoutMs };

  async function headers(): Promise<Record<string, string>> {
    const key = apiKey ? await resolveSecretReference(apiKey, environment) : undefined;
    return key ? { authorization: `Bearer ${key}` } : {};
  }

  async function post(
    path: string,
    body: unknown,
    context?: PerformContext,
    extra: Record<string, string> = {},
  ) {
    return fetchWithRetry(
      new URL(path, base),
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await headers()), ...extra },
        body: JSON.stringify(body),
      },
      {
        ...settings,
        fetch: fetchImplementation,
        ...(context
          ? {
              signal: context.signal,
              onRetry: (detail: { attempt: number; reason: string; delayMs: number }) =>
                context.progress('retry', { path, ...detail }),
            }
          : {}),
      },
    );
  }

  async function decideApproval(
    hermesRunId: string,
    event: z.infer<typeof approvalEventSchema>,
    context: PerformContext,
  ): Promise<'approve' | 'deny'> {
    if (!approvals) {
      await context.progress('approval.denied', {
        approval_id: event.approval_id,
        reason: 'no approval queue is configured for this member',
      });
      return 'deny';
    }
    const action = {
      kind: 'hermes.approval',
      role,
      hermes_run_id: hermesRunId,
      approval_id: event.approval_id,
      description: event.description,
      ...(event.command ? { command: event.command } : {}),
    };
    const request = await approvals.request({
      actor: role,
      capability,
      action,
      reason: event.description || `${role} asks for approval`,
      ...(signer ? { requester: signer } : {}),
    });
    await context.progress('approval.requested', {
      approval_id: event.approval_id,
      karnel_approval: request.id,
    });
    // A decision being written (ledger record, then its readable copy) can be read half-way
    // by this same process; a read that throws is retried a few times before failing closed.
    let failedReads = 0;
    let unconfirmed = 0;
    for (;;) {
      let current: { readonly status: string } | undefined;
      try {
        current = await approvals.get(request.id);
        failedReads = 0;
      } catch (error) {
        if (++failedReads >= 5) throw error;
      }
      if (current && current.status !== 'pending') {
        const used =
          current.status === 'approved'
            ? await approvals.use(request.id, action, {
                capability,
                actor: role,
                ...(signer ? { executor: signer } : {}),
              })
            : undefined;
        // The readable copy says approved but the queue's own reading of the ledger does not
        // show the decision yet (a write seen half-way): look again, a bounded number of times,
        // before failing closed.
        if (used && !used.ok && used.code === 'not-approved' && ++unconfirmed < 10) {
          await sleep(approvalPollMs, context.signal);
          continue;
        }
        const decision = used?.ok ? 'approve' : 'deny';
        await context.progress(`approval.${decision === 'approve' ? 'approved' : 'denied'}`, {
          approval_id: event.approval_id,
          karnel_approval: request.id,
          status: current.status,
          ...(used && !used.ok ? { refused: used.code } : {}),
        });
        return decision;
      }
      await sleep(approvalPollMs, context.signal);
    }
  }

  async function perform(message: Message, context: PerformContext): Promise<PerformAnswer> {
    const { runId, signal } = context;
    const created = await post(
      'v1/runs',
      {
        input: renderHermesInput(message),
        ...(skillToInvoke
          ? {
              instructions: `Use the skill "${skillToInvoke}" for this task.`,
              skills: [skillToInvoke],
            }
          : {}),
        session_id: sessionId,
        metadata: { karnel_run_id: runId, role, message_id: message.id },
      },
      context,
      { 'idempotency-key': runId, 'x-hermes-session-key': sessionId },
    );
    if (created.status === 409)
      throw new AdapterError({
        code: 'adapter/conflict',
        message: `Hermes refused run ${runId}: its idempotency key was used for another message (HTTP 409)`,
      });
    if (!created.ok)
      throw new AdapterError({
        code: 'adapter/rejected',
        message: `Hermes refused the run with HTTP ${created.status}`,
      });
    const parsed = runCreatedSchema.safeParse(await created.json().catch(() => undefined));
    if (!parsed.success)
      throw new AdapterError({
        code: 'adapter/bad-response',
        message: 'Hermes answered POST /v1/runs without a run_id',
      });
    const hermesRunId = parsed.data.run_id;
    hermesRuns.set(runId, hermesRunId);
    await context.progress('hermes.run_created', { hermes_run_id: hermesRunId });
    try {
      let lastEventId: string | undefined;
      for (let reconnect = 0; ; reconnect++) {
        const stream = await fetchWithRetry(
          new URL(`v1/runs/${encodeURIComponent(hermesRunId)}/events`, base),
          {
            method: 'GET',
            headers: {
              accept: 'text/event-stream',
              ...(await headers()),
              ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
            },
          },
          // The stream itself may last long: only its opening is time-limited by the signal.
          {
            ...settings,
            attemptTimeoutMs: Number.POSITIVE_INFINITY,
            signal,
            fetch: fetchImplementation,
          },
        );
        if (!stream.ok || !stream.body)
          throw new AdapterError({
            code: 'adapter/rejected',
            message: `Hermes answered the events of ${hermesRunId} with HTTP ${stream.status}`,
          });
        try {
          for await (const event of readServerSentEvents(stream.body)) {
            if (event.id) lastEventId = event.id;
            let data: unknown;
            try {
              data = JSON.parse(event.data);
            } catch {
              data = event.data;
            }
            await context.progress(`hermes.${event.event}`, { data: bounded(data) });
            if (event.event === 'approval.requested') {
              const approval = approvalEventSchema.safeParse(data);
              if (!approval.success) continue;
              let decision: 'approve' | 'deny';
              try {
                decision = await decideApproval(hermesRunId, approval.data, context);
              } catch (error) {
                if (signal.aborted) throw error;
                // Fail closed: a queue that cannot be read never lets the run go on.
                decision = 'deny';
                await context.progress('approval.error', {
                  approval_id: approval.data.approval_id,
                  reason: (error as Error).message,
                });
              }
              const answered = await post(
                `v1/runs/${encodeURIComponent(hermesRunId)}/approval`,
                { approval_id: approval.data.approval_id, decision },
                context,
              );
              await answered.body?.cancel().catch(() => undefined);
            } else if (event.event === 'run.completed') {
              const done = completedEventSchema.parse(typeof data === 'object' ? data : {});
              return {
                status: 'completed',
                summary: done.output,
                foreignRunId: hermesRunId,
                ...(done.cost ? { cost: done.cost } : {}),
              };
            } else if (event.event === 'run.failed') {
              const failed = failedEventSchema.parse(typeof data === 'object' ? data : {});
              return { status: 'failed', summary: failed.error, foreignRunId: hermesRunId };
            } else if (event.event === 'run.cancelled') {
              return {
                status: 'cancelled',
                summary: 'Hermes stopped the run',
                foreignRunId: hermesRunId,
              };
            }
          }
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          await context.progress('hermes.stream_dropped', { reason: (error as Error).message });
        }
        if (reconnect >= retries)
          throw new AdapterError({
            code: 'adapter/unreachable',
            message: `the event stream of Hermes run ${hermesRunId} ended before the run did, ${reconnect + 1} times`,
          });
        await sleep(retryDelay(reconnect, settings), signal);
      }
    } finally {
      hermesRuns.delete(runId);
    }
  }

  async function stop(runId: string): Promise<void> {
    const hermesRunId = hermesRuns.get(runId);
    if (!hermesRunId) return;
    const response = await post(`v1/runs/${encodeURIComponent(hermesRunId)}/stop`, {}).catch(
      () => undefined,
    );
    await response?.body?.cancel().catch(() => undefined);
  }

  async function check(): Promise<AdapterCheck[]> {
    const checks: AdapterCheck[] = [];
    let authorization: Record<string, string> = {};
    if (apiKey)
      try {
        authorization = await headers();
        checks.push({ code: 'hermes/api-key', level: 'pass', message: 'the API key resolves' });
      } catch (error) {
        checks.push({
          code: 'hermes/api-key',
          level: 'fail',
          message: (error as Error).message,
          hint: 'set the Hermes API_SERVER_KEY on this machine and reference it (env:NAME)',
        });
        return checks;
      }
    const get = (path: string) =>
      fetchImplementation(new URL(path, base), {
        headers: authorization,
        signal: AbortSignal.timeout(attemptTimeoutMs),
      });
    try {
      const health = await get('health');
      await health.body?.cancel().catch(() => undefined);
      checks.push(
        health.ok
          ? { code: 'hermes/health', level: 'pass', message: `${base.origin} is healthy` }
          : {
              code: 'hermes/health',
              level: 'fail',
              message: `${base.origin}/health answered HTTP ${health.status}`,
              hint: 'look at the Hermes gateway logs',
            },
      );
    } catch (error) {
      checks.push({
        code: 'hermes/health',
        level: 'fail',
        message: `${base.origin} cannot be reached: ${(error as Error).message}`,
        hint: 'start it with API_SERVER_ENABLED=true hermes gateway, or correct adapter.endpoint',
      });
      return checks;
    }
    try {
      const response = await get('v1/capabilities');
      const value = capabilitiesSchema.safeParse(await response.json());
      const missing = ['run_submission', 'run_stop'].filter(
        (name) => !value.success || !hasFeature(value.data, name),
      );
      checks.push(
        response.ok && missing.length === 0
          ? {
              code: 'hermes/capabilities',
              level: 'pass',
              message: 'runs can be submitted and stopped',
            }
          : {
              code: 'hermes/capabilities',
              level: 'fail',
              message: `the server lacks ${missing.join(' and ') || `a readable /v1/capabilities (HTTP ${response.status})`}`,
              hint: 'upgrade Hermes to a version with the runs API',
            },
      );
    } catch (error) {
      checks.push({
        code: 'hermes/capabilities',
        level: 'fail',
        message: `/v1/capabilities cannot be read: ${(error as Error).message}`,
        hint: 'upgrade Hermes to a version with the runs API',
      });
    }
    if (!approvals)
      checks.push({
        code: 'hermes/approvals',
        level: 'warn',
        message: 'no approval queue: every approval Hermes asks for is denied',
        hint: "pass the group's approval queue so the owner can decide",
      });
    return checks;
  }

  return defineAdapter({
    type: 'hermes',
    role,
    taskClasses: options.taskClasses,
    ledger,
    check,
    perform,
    stop,
    estimateCost: estimator(options),
  });
}
