import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin, copyExample, runKarnel } from '../../test/run-karnel';

/** Starts `karnel dashboard`, resolves with its printed address once it listens. */
function startDashboard(args: string[]) {
  const child = spawn(process.execPath, [bin, 'dashboard', ...args], {
    env: { ...process.env, CI: '1' },
  });
  let stdout = '';
  const url = new Promise<string>((resolvePromise, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = stdout.match(/at (http:\/\/\S+)/);
      // Both lines are out: the address, then whether it signs or is read-only.
      if (match && /read-only|signing/.test(stdout)) resolvePromise(match[1] as string);
    });
    child.once('exit', (code) =>
      reject(new Error(`karnel dashboard exited with ${code}: ${stdout}`)),
    );
  });
  const exited = new Promise<number | null>((resolvePromise) => child.once('exit', resolvePromise));
  return { child, url, exited, output: () => stdout };
}

describe('karnel dashboard', () => {
  it('serves the group on loopback with a printed token, refuses requests without it, and stops on SIGTERM', async () => {
    const root = await copyExample('newsletter-co');
    const server = startDashboard([join(root, 'newsletter-co'), '--port', '0']);
    const url = new URL(await server.url);
    expect(url.hostname).toBe('127.0.0.1');
    const token = url.searchParams.get('token') as string;
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(server.output()).toContain('read-only');
    const refused = await fetch(new URL('/org', url));
    expect(refused.status).toBe(401);
    const page = await fetch(new URL('/org', url), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('specialist_writer');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('refuses a non-loopback host without a long token, and a directory that is not a group', async () => {
    const root = await copyExample('newsletter-co');
    const open = await runKarnel(['dashboard', join(root, 'newsletter-co'), '--host', '0.0.0.0']);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('reachable from other machines');
    const notGroup = await runKarnel(['dashboard', root, '--port', '0']);
    expect(notGroup.code).toBe(1);
    expect(notGroup.stderr).toContain('not a group directory');
    const badPort = await runKarnel(['dashboard', join(root, 'newsletter-co'), '--port', 'x']);
    expect(badPort.code).toBe(2);
  });

  it('warns when it listens beyond loopback with a configured token', async () => {
    const root = await copyExample('newsletter-co');
    const token = 'a'.repeat(40);
    const child = spawn(
      process.execPath,
      [
        bin,
        'dashboard',
        join(root, 'newsletter-co'),
        '--host',
        // Not 127.0.0.1, ::1 or localhost, so it warns, yet still only on the loopback interface.
        '127.0.0.2',
        '--port',
        '0',
        '--token',
        token,
      ],
      {
        env: { ...process.env, CI: '1' },
      },
    );
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await new Promise<void>((resolvePromise) =>
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('http://')) resolvePromise();
      }),
    );
    expect(stderr).toContain('warning: the dashboard listens on 127.0.0.2');
    const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
    child.kill('SIGTERM');
    await exited;
  });
});
