import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runSandboxedProcess } from './process-runner';

const base = {
  env: { PATH: '/usr/bin:/bin' },
  cwd: '/',
  stdin: new Uint8Array(),
  maxOutputBytes: 1 << 20,
};

async function alive(pid: number): Promise<boolean> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return !/State:\s+Z/.test(status);
  } catch {
    return false;
  }
}

describe('runSandboxedProcess', () => {
  it('kills the whole tree at the timeout, a grandchild in its own session included', async () => {
    const result = await runSandboxedProcess({
      ...base,
      file: '/bin/sh',
      args: ['-c', 'setsid sleep 30 & echo $!; sleep 30'],
      timeoutMs: 500,
    });
    expect(result.killedBy).toBe('timeout');
    const grandchild = Number(result.stdout.toString().trim());
    expect(grandchild).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await alive(grandchild)).toBe(false);
  });

  it('kills a process that writes more than the output limit, keeping the limit', async () => {
    const result = await runSandboxedProcess({
      ...base,
      file: '/bin/sh',
      args: ['-c', 'yes karnel'],
      timeoutMs: 20_000,
      maxOutputBytes: 4096,
    });
    expect(result.killedBy).toBe('output');
    expect(result.stdout.length).toBe(4096);
  });

  it('kills a tree whose resident memory passes the limit', async () => {
    const result = await runSandboxedProcess({
      ...base,
      file: process.execPath,
      args: ['-e', 'const keep = []; for (;;) keep.push(Buffer.alloc(8 << 20, 1));'],
      timeoutMs: 30_000,
      memoryLimitBytes: 128 << 20,
    });
    expect(result.killedBy).toBe('memory');
    expect(result.peakMemoryBytes).toBeGreaterThan(128 << 20);
  });

  it('stops when the caller aborts, and passes input and environment through', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const aborted = await runSandboxedProcess({
      ...base,
      file: '/bin/sh',
      args: ['-c', 'sleep 30'],
      timeoutMs: 20_000,
      signal: controller.signal,
    });
    expect(aborted.killedBy).toBe('signal');
    const echoed = await runSandboxedProcess({
      ...base,
      env: { PATH: '/usr/bin:/bin', ONLY: 'this' },
      file: '/bin/sh',
      args: ['-c', 'cat; env | sort'],
      stdin: new TextEncoder().encode('input\n'),
      timeoutMs: 20_000,
    });
    expect(echoed.exitCode).toBe(0);
    expect(echoed.stdout.toString()).toContain('input\n');
    expect(echoed.stdout.toString()).toContain('ONLY=this');
    expect(echoed.stdout.toString()).not.toContain('HOME=');
  });
});
