import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/karnel.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function karnel(args: readonly string[], stdin?: string): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, CI: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'karnel-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('karnel keys', () => {
  it('generates a private key file with mode 0600 and prints its identity', async () => {
    const file = join(dir, 'owner.key');
    const generated = await karnel(['keys', 'generate', file]);
    expect(generated.code).toBe(0);
    expect(generated.stdout.trim()).toMatch(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await karnel(['keys', 'show', file])).stdout).toBe(generated.stdout);
    const again = await karnel(['keys', 'generate', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
  });
});
