import { describe, expect, it } from 'vitest';
import { copyGroup } from '../test/group-fixture';
import { serveDashboard } from './serve-dashboard';

describe('serveDashboard', () => {
  it('listens on 127.0.0.1 by default and prints an address carrying the token', async () => {
    const group = await copyGroup();
    const served = await serveDashboard({ dir: group.dir, port: 0 });
    try {
      const url = new URL(served.url);
      expect(url.hostname).toBe('127.0.0.1');
      expect(url.searchParams.get('token')).toBe(served.dashboard.token);
      const visit = await fetch(url, { redirect: 'manual' });
      expect(visit.status).toBe(303);
      const cookie = (visit.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const page = await fetch(new URL('/', url), { headers: { cookie } });
      expect(page.status).toBe(200);
      expect((await fetch(new URL('/', url))).status).toBe(401);
    } finally {
      await served.close();
    }
  });

  it('refuses another host without a configured token of 32 characters, and warns with one', async () => {
    const group = await copyGroup();
    await expect(serveDashboard({ dir: group.dir, host: '0.0.0.0', port: 0 })).rejects.toThrow(
      'reachable from other machines',
    );
    await expect(
      serveDashboard({ dir: group.dir, host: '0.0.0.0', port: 0, token: 'x'.repeat(20) }),
    ).rejects.toThrow('at least 32 characters');
    const warnings: string[] = [];
    const served = await serveDashboard({
      dir: group.dir,
      host: '127.0.0.2',
      port: 0,
      token: 'y'.repeat(40),
      warn: (message) => warnings.push(message),
    });
    try {
      expect(warnings.join('\n')).toContain('reachable from other machines');
      const refused = await fetch(`http://127.0.0.2:${served.port}/`);
      expect(refused.status).toBe(401);
      const page = await fetch(`http://127.0.0.2:${served.port}/`, {
        headers: { authorization: `Bearer ${'y'.repeat(40)}` },
      });
      expect(page.status).toBe(200);
    } finally {
      await served.close();
    }
  });
});
