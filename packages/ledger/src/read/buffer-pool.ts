/**
 * Large buffers kept for reuse between verifications. On some machines (virtual machines
 * without huge pages) the first write to fresh memory costs more than everything verification
 * does with it — on the benchmark machine, faulting in 35 MB took 150 ms, seven times the
 * SHA-256 of the same bytes — so a process that verifies again and again (a runtime checking
 * its ledgers, a watcher) keeps its read buffers warm instead of allocating them each time.
 *
 * The pool holds at most {@link MAX_POOLED_BYTES} and empties itself after
 * {@link IDLE_RELEASE_MS} without use, so an idle process gives the memory back.
 */
const MAX_POOLED_BYTES = 128 * 1024 * 1024;
const IDLE_RELEASE_MS = 10_000;

const pooled: ArrayBuffer[] = [];
let pooledBytes = 0;
let releaseTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * A buffer of exactly `size` bytes with unspecified contents, from the pool when one fits.
 * Give it back with {@link returnBuffer} once nothing refers to it any more.
 */
export function borrowBuffer(size: number): Buffer {
  let best = -1;
  for (let index = 0; index < pooled.length; index++) {
    const capacity = pooled[index]!.byteLength;
    if (capacity >= size && (best < 0 || capacity < pooled[best]!.byteLength)) best = index;
  }
  if (best < 0) return Buffer.allocUnsafeSlow(size);
  const [memory] = pooled.splice(best, 1);
  pooledBytes -= memory!.byteLength;
  return Buffer.from(memory!, 0, size);
}

/** Returns a buffer from {@link borrowBuffer} to the pool; the caller must not use it again. */
export function returnBuffer(buffer: Uint8Array): void {
  const memory = buffer.buffer;
  if (!(memory instanceof ArrayBuffer) || buffer.byteOffset !== 0) return;
  if (pooled.includes(memory) || memory.byteLength < 64 * 1024) return;
  // Keep the largest buffers: they are the expensive ones to fault in again.
  while (pooledBytes + memory.byteLength > MAX_POOLED_BYTES && pooled.length > 0) {
    let smallest = 0;
    for (let index = 1; index < pooled.length; index++) {
      if (pooled[index]!.byteLength < pooled[smallest]!.byteLength) smallest = index;
    }
    if (pooled[smallest]!.byteLength > memory.byteLength) return;
    pooledBytes -= pooled[smallest]!.byteLength;
    pooled.splice(smallest, 1);
  }
  if (memory.byteLength > MAX_POOLED_BYTES) return;
  pooled.push(memory);
  pooledBytes += memory.byteLength;
  if (releaseTimer) releaseTimer.refresh();
  else {
    releaseTimer = setTimeout(() => {
      pooled.length = 0;
      pooledBytes = 0;
      releaseTimer = undefined;
    }, IDLE_RELEASE_MS);
    releaseTimer.unref();
  }
}

/** Bytes the pool holds now (for tests). */
export function pooledBufferBytes(): number {
  return pooledBytes;
}
