/**
 * A 429 answer, with the headers the `ollama` client would drop: its `ResponseError` keeps the
 * status but not `retry-after`. `fallbackReason` reads `statusCode` and `responseHeaders`, as it
 * does on the AI SDK's `APICallError`.
 */
class RateLimitedError extends Error {
  readonly statusCode = 429;
  readonly responseHeaders: Record<string, string>;

  constructor(url: string, message: string, retryAfter: string | null) {
    super(`${url}: HTTP 429 ${message}`.trim());
    this.name = 'RateLimitedError';
    this.responseHeaders = retryAfter === null ? {} : { 'retry-after': retryAfter };
  }
}

/**
 * Wraps `fetch` so that an HTTP 429 answer becomes an error that keeps its `retry-after`
 * header, for providers whose client loses the headers of a failed response (Ollama's). Every
 * other answer is returned untouched.
 */
export function keepRetryAfter(base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if (response.status !== 429) return response;
    const body = await response.text().catch(() => '');
    let message = body;
    try {
      const parsed = JSON.parse(body) as { error?: unknown };
      if (typeof parsed.error === 'string') message = parsed.error;
    } catch {
      // not JSON: keep the text as it is
    }
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    throw new RateLimitedError(url, message.slice(0, 200), response.headers.get('retry-after'));
  };
}
