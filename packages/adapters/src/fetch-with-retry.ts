import { AdapterError } from './errors';
import { parseRetryAfter, type RetrySettings, retryDelay, sleep } from './retry';

/** Options of {@link fetchWithRetry}. */
export interface FetchWithRetryOptions extends RetrySettings {
  /**
   * The limit of one attempt (headers and body), in milliseconds; `Infinity` for none (a
   * long-lived event stream, which the caller's signal still stops).
   */
  readonly attemptTimeoutMs: number;
  /** Stops the retries and the attempt in flight. */
  readonly signal?: AbortSignal;
  /** Called before each retry with what went wrong and how long it waits. */
  readonly onRetry?: (detail: {
    attempt: number;
    reason: string;
    delayMs: number;
  }) => Promise<void>;
  /** The fetch implementation. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
}

function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Fetches `url`, retrying on 429, 5xx, attempt timeouts and dropped connections with
 * exponential backoff and full jitter, honouring `Retry-After`. The caller must make the request
 * idempotent (an `Idempotency-Key`): a dropped connection may hide work the server did.
 *
 * @throws {AdapterError} `adapter/unreachable` or `adapter/timeout` after the last retry.
 */
export async function fetchWithRetry(
  url: string | URL,
  init: RequestInit,
  options: FetchWithRetryOptions,
): Promise<Response> {
  const { signal, onRetry, fetch: fetchImplementation = fetch } = options;
  let lastProblem = '';
  let lastCode: 'adapter/unreachable' | 'adapter/timeout' = 'adapter/unreachable';
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw signal.reason;
    const timeout = Number.isFinite(options.attemptTimeoutMs)
      ? AbortSignal.timeout(options.attemptTimeoutMs)
      : undefined;
    const signals = [signal, timeout].filter((item): item is AbortSignal => item !== undefined);
    const attemptSignal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
    let retryAfterMs: number | undefined;
    try {
      const response = await fetchImplementation(url, { ...init, signal: attemptSignal });
      if (!retryable(response.status)) return response;
      retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      lastProblem = `HTTP ${response.status}`;
      lastCode = 'adapter/unreachable';
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timeout?.aborted) {
        lastProblem = `no answer within ${options.attemptTimeoutMs} ms`;
        lastCode = 'adapter/timeout';
      } else {
        const cause = (error as { cause?: { code?: string } }).cause;
        lastProblem = `connection failed${cause?.code ? ` (${cause.code})` : ''}`;
        lastCode = 'adapter/unreachable';
      }
    }
    if (attempt >= options.retries)
      throw new AdapterError({
        code: lastCode,
        message: `${String(url)}: ${lastProblem} after ${attempt + 1} attempts`,
      });
    const delayMs = retryDelay(attempt, options, retryAfterMs);
    await onRetry?.({ attempt: attempt + 1, reason: lastProblem, delayMs });
    await sleep(delayMs, signal);
  }
}
