import { createHmac } from 'node:crypto';
import type { Message, Money } from '@karnel/coordination';
import type { AuditLog, LedgerReader } from '@karnel/core';
import type { AdapterCheck, CostEstimate, ForeignAgentAdapter } from './adapter';
import { defineAdapter, type PerformAnswer, type PerformContext } from './define-adapter';
import { AdapterError } from './errors';
import { fetchWithRetry } from './fetch-with-retry';
import {
  acceptedAnswerSchema,
  describeZodError,
  foreignOutcomeSchema,
} from './foreign-outcome-schema';
import { sleep } from './retry';
import { resolveSecretReference } from './secret-reference';

/** The header carrying the HMAC-SHA256 signature of the request body. */
export const SIGNATURE_HEADER = 'x-karnel-signature';
/** The header carrying the time the signature was made (Unix seconds), part of what is signed. */
export const TIMESTAMP_HEADER = 'x-karnel-timestamp';

/** Options of {@link createHttpAdapter}. */
export interface HttpAdapterOptions {
  /** The member's role. */
  readonly role: string;
  /** The URL messages are POSTed to (`http://` or `https://`). */
  readonly endpoint: string;
  /** The task classes the member accepts; absent means any. */
  readonly taskClasses?: readonly string[];
  /** The group ledger; read back too when it is a `LedgerPort` (replay by run id). */
  readonly ledger?: AuditLog | (AuditLog & LedgerReader);
  /**
   * A reference to the HMAC-SHA256 key that signs each body (`env:NAME` or `file:/path`, from
   * machine-level configuration); without one requests are unsigned and `check()` warns.
   */
  readonly signingKey?: string;
  /** Where `env:` references are looked up. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** The limit of one attempt, in milliseconds. Default 30 000. */
  readonly attemptTimeoutMs?: number;
  /** Retries after the first attempt. Default 4. */
  readonly retries?: number;
  /** The first backoff, in milliseconds. Default 250. */
  readonly baseDelayMs?: number;
  /** The longest wait between attempts, also the cap on `Retry-After`. Default 30 000. */
  readonly maxDelayMs?: number;
  /** How often a `poll_url` is asked when the member gave no `Retry-After`. Default 1 000 ms. */
  readonly pollIntervalMs?: number;
  /** What one invocation costs, when the member's price is known. */
  readonly costPerInvocation?: Money;
  /** The URL `check()` GETs. Default: the endpoint. */
  readonly healthUrl?: string;
  /** The fetch implementation. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/**
 * Signs `body` as the `x-karnel-signature` header does: `sha256=` and the hex HMAC-SHA256 of
 * `<timestamp>.<body>` under `key`. A receiver recomputes it and compares in constant time.
 */
export function signHttpBody(key: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;
}

function isLoopback(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/**
 * Creates the adapter of an HTTP member: each message is POSTed as JSON with an
 * `Idempotency-Key` (the Karnel run id) and an HMAC-SHA256 body signature; 429, 5xx, timeouts
 * and dropped connections are retried with backoff and jitter; the answer is validated, and an
 * `accepted` answer is polled until the work ends.
 */
export function createHttpAdapter(options: HttpAdapterOptions): ForeignAgentAdapter {
  const {
    role,
    endpoint,
    ledger,
    signingKey,
    environment = process.env,
    attemptTimeoutMs = 30_000,
    retries = 4,
    baseDelayMs = 250,
    maxDelayMs = 30_000,
    pollIntervalMs = 1_000,
    costPerInvocation,
    fetch: fetchImplementation = fetch,
  } = options;
  const url = new URL(endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AdapterError({
      code: 'adapter/config',
      message: `the endpoint of ${role} must be an http:// or https:// URL, got ${endpoint}`,
    });

  async function readAnswer(response: Response): Promise<unknown> {
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new AdapterError({
        code: 'adapter/bad-response',
        message: `${role} answered HTTP ${response.status} with a body that is not JSON`,
      });
    }
  }

  function finish(value: unknown): PerformAnswer | { pollUrl: URL } {
    const accepted = acceptedAnswerSchema.safeParse(value);
    if (accepted.success) {
      const pollUrl = new URL(accepted.data.poll_url, url);
      if (pollUrl.origin !== url.origin)
        throw new AdapterError({
          code: 'adapter/bad-response',
          message: `${role} gave a poll_url on another origin (${pollUrl.origin})`,
        });
      return { pollUrl };
    }
    const parsed = foreignOutcomeSchema.safeParse(value);
    if (!parsed.success)
      throw new AdapterError({
        code: 'adapter/bad-response',
        message: `${role} answered with a body that is not an outcome: ${describeZodError(parsed.error)}`,
      });
    const { foreign_run_id, ...rest } = parsed.data;
    return { ...rest, ...(foreign_run_id ? { foreignRunId: foreign_run_id } : {}) };
  }

  async function perform(message: Message, context: PerformContext): Promise<PerformAnswer> {
    const { runId, signal } = context;
    const key = signingKey ? await resolveSecretReference(signingKey, environment) : undefined;
    const body = JSON.stringify({ karnel_adapter_version: '1', run_id: runId, role, message });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const retry = {
      attemptTimeoutMs,
      retries,
      baseDelayMs,
      maxDelayMs,
      signal,
      fetch: fetchImplementation,
      onRetry: (detail: { attempt: number; reason: string; delayMs: number }) =>
        context.progress('retry', { ...detail }),
    };
    const response = await fetchWithRetry(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': runId,
          ...(key
            ? {
                [SIGNATURE_HEADER]: signHttpBody(key, timestamp, body),
                [TIMESTAMP_HEADER]: timestamp,
              }
            : {}),
        },
        body,
      },
      retry,
    );
    if (response.status === 409)
      throw new AdapterError({
        code: 'adapter/conflict',
        message: `${role} refused run ${runId}: its idempotency key was used for another message (HTTP 409)`,
      });
    if (!response.ok)
      throw new AdapterError({
        code: 'adapter/rejected',
        message: `${role} refused the message with HTTP ${response.status}`,
      });
    let answer = finish(await readAnswer(response));
    while ('pollUrl' in answer) {
      await sleep(pollIntervalMs, signal);
      const polled = await fetchWithRetry(
        answer.pollUrl,
        { method: 'GET', headers: { 'idempotency-key': runId } },
        retry,
      );
      if (!polled.ok)
        throw new AdapterError({
          code: 'adapter/rejected',
          message: `${role} answered the poll of run ${runId} with HTTP ${polled.status}`,
        });
      answer = finish(await readAnswer(polled));
    }
    return answer;
  }

  async function check(): Promise<AdapterCheck[]> {
    const checks: AdapterCheck[] = [];
    if (url.protocol === 'http:' && !isLoopback(url))
      checks.push({
        code: 'http/plain-text',
        level: 'warn',
        message: `${endpoint} is not encrypted`,
        hint: 'use an https:// endpoint for a member outside this machine',
      });
    if (!signingKey)
      checks.push({
        code: 'http/signing-key',
        level: 'warn',
        message: 'requests are not signed',
        hint: 'set adapter.auth.signing_key to "env:NAME" and export the key on this machine',
      });
    else
      try {
        await resolveSecretReference(signingKey, environment);
        checks.push({
          code: 'http/signing-key',
          level: 'pass',
          message: 'the signing key resolves',
        });
      } catch (error) {
        checks.push({
          code: 'http/signing-key',
          level: 'fail',
          message: (error as Error).message,
          hint: 'set the key on this machine (environment or key file); never in the group directory',
        });
      }
    try {
      const response = await fetchImplementation(options.healthUrl ?? endpoint, {
        method: 'GET',
        signal: AbortSignal.timeout(attemptTimeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      checks.push(
        response.status >= 500
          ? {
              code: 'http/reachable',
              level: 'fail',
              message: `${endpoint} answered HTTP ${response.status}`,
              hint: 'the member is reachable but failing; look at its logs',
            }
          : { code: 'http/reachable', level: 'pass', message: `${endpoint} answers` },
      );
    } catch (error) {
      checks.push({
        code: 'http/reachable',
        level: 'fail',
        message: `${endpoint} cannot be reached: ${(error as Error).message}`,
        hint: 'start the member, or correct adapter.endpoint in its member file',
      });
    }
    return checks;
  }

  return defineAdapter({
    type: 'http',
    role,
    taskClasses: options.taskClasses,
    ledger,
    check,
    perform,
    async estimateCost(message: Message): Promise<CostEstimate> {
      if (costPerInvocation) return { cost: costPerInvocation, basis: 'configured' };
      if (message.type === 'task' && message.payload.budget)
        return { cost: message.payload.budget, basis: 'message-budget' };
      return { basis: 'unknown' };
    },
  });
}
