import { TierTimeoutError } from './errors';

const transportCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function statusOf(error: object): number | undefined {
  const record = error as { statusCode?: unknown; status_code?: unknown };
  const status = record.statusCode ?? record.status_code;
  return typeof status === 'number' ? status : undefined;
}

function retryAfterOf(error: object): string | undefined {
  const headers = (error as { responseHeaders?: Record<string, string> }).responseHeaders;
  return headers?.['retry-after'];
}

/**
 * Whether a failed call may move on to the next candidate (Annex D, section 4.1), and why: a
 * transport error, a timeout, HTTP 429 or a 5xx. Any other error — another 4xx, a budget
 * refusal, a caller's abort, a programming error — returns `undefined`: the next model would be
 * sent the same request and fail the same way, or the caller asked to stop.
 *
 * Looks through the error's `cause` chain, since providers wrap transport errors (the Ollama
 * provider wraps the `ollama` client's `ResponseError`, fetch wraps socket errors).
 */
export function fallbackReason(error: unknown): string | undefined {
  const chain: object[] = [];
  for (
    let current = error, depth = 0;
    current && typeof current === 'object' && depth < 6;
    depth++
  ) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  for (const link of chain) {
    if (TierTimeoutError.isInstance(link)) return link.message;
    const status = statusOf(link);
    if (status === undefined) continue;
    if (status === 429) {
      const retryAfter = retryAfterOf(link);
      return `rate limited (HTTP 429${retryAfter ? `, retry-after ${retryAfter}` : ''})`;
    }
    if (status >= 500) return `server error (HTTP ${status})`;
    return undefined;
  }
  for (const link of chain) {
    const code = (link as { code?: unknown }).code;
    if (typeof code === 'string' && transportCodes.has(code)) return `transport error (${code})`;
    const { name, message } = link as { name?: unknown; message?: unknown };
    if (name === 'TypeError' && (message === 'fetch failed' || message === 'terminated'))
      return `transport error (${message})`;
    if (name === 'AI_APICallError' && statusOf(link) === undefined)
      return 'transport error (no response)';
  }
  return undefined;
}
