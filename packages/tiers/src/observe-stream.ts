/** How a stream observed by {@link observeStream} ended. */
export type StreamEnd = 'done' | 'error' | 'cancel';

/**
 * Passes a stream through unchanged, calling `onPart` for each part and `onEnd` exactly once
 * when it ends, errors or is cancelled by its reader — so whatever was set up for the call (a
 * reservation, a ledger entry) is always settled.
 */
export function observeStream<Part>(
  stream: ReadableStream<Part>,
  onPart: (part: Part) => void,
  onEnd: (end: StreamEnd, error?: unknown) => Promise<void> | void,
): ReadableStream<Part> {
  const reader = stream.getReader();
  let ended = false;
  const end = async (how: StreamEnd, error?: unknown) => {
    if (ended) return;
    ended = true;
    await onEnd(how, error);
  };
  return new ReadableStream<Part>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          await end('done');
          controller.close();
          return;
        }
        onPart(value);
        controller.enqueue(value);
      } catch (error) {
        await end('error', error);
        controller.error(error);
      }
    },
    async cancel(reason) {
      await end('cancel', reason);
      await reader.cancel(reason);
    },
  });
}
