import { describe, expect, it } from 'vitest';
import { borrowBuffer, pooledBufferBytes, returnBuffer } from './buffer-pool';

describe('the buffer pool', () => {
  it('hands a returned buffer out again, at the size asked for', () => {
    const first = borrowBuffer(1024 * 1024);
    first[0] = 42;
    const before = pooledBufferBytes();
    returnBuffer(first);
    expect(pooledBufferBytes()).toBe(before + 1024 * 1024);
    const second = borrowBuffer(512 * 1024);
    expect(second.buffer).toBe(first.buffer);
    expect(second.length).toBe(512 * 1024);
    expect(pooledBufferBytes()).toBe(before);
    returnBuffer(second);
  });

  it('keeps neither small buffers, views into larger ones, nor one buffer twice', () => {
    const before = pooledBufferBytes();
    returnBuffer(Buffer.allocUnsafeSlow(1024));
    returnBuffer(Buffer.allocUnsafeSlow(1024 * 1024).subarray(16));
    expect(pooledBufferBytes()).toBe(before);
    const big = Buffer.allocUnsafeSlow(256 * 1024);
    returnBuffer(big);
    returnBuffer(big);
    expect(pooledBufferBytes()).toBe(before + 256 * 1024);
  });

  it('never holds more than 128 MiB', () => {
    for (let index = 0; index < 5; index++) returnBuffer(Buffer.allocUnsafeSlow(40 * 1024 * 1024));
    expect(pooledBufferBytes()).toBeLessThanOrEqual(128 * 1024 * 1024);
    expect(pooledBufferBytes()).toBeGreaterThanOrEqual(120 * 1024 * 1024);
  });
});
