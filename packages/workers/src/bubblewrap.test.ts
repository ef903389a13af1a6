import { randomBytes } from 'node:crypto';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../test/make-skill';
import { requireBubblewrap } from '../test/require-bubblewrap';
import { bubblewrapArgs } from './bubblewrap';
import { runCommand } from './host-probe';

const host = await requireBubblewrap();
const nodeRoot = dirname(dirname(await realpath(process.execPath)));

describe('bubblewrap on its own', () => {
  it('contains a process by itself: no outside files, read-only scopes, no network, its own PIDs', async () => {
    const root = await makeTempDir();
    const secret = `hidden-${randomBytes(6).toString('hex')}`;
    await writeFile(join(root, 'outside.txt'), secret);
    const scope = join(root, 'scope');
    await mkdir(scope);
    await writeFile(join(scope, 'inside.txt'), 'visible');
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    let connections = 0;
    server.on('connection', () => connections++);
    try {
      const script = `
        const fs = require('fs');
        const out = {};
        try { out.outside = fs.readFileSync(${JSON.stringify(join(root, 'outside.txt'))}, 'utf8'); } catch (e) { out.outside = e.code; }
        out.inside = fs.readFileSync(${JSON.stringify(join(scope, 'inside.txt'))}, 'utf8');
        try { fs.writeFileSync(${JSON.stringify(join(scope, 'new.txt'))}, 'x'); out.write = 'ok'; } catch (e) { out.write = e.code; }
        out.uid = process.getuid();
        out.pids = fs.readdirSync('/proc').filter((name) => /^\\d+$/.test(name)).length;
        const socket = require('net').connect(${port}, '127.0.0.1');
        socket.on('connect', () => { out.net = 'connected'; console.log(JSON.stringify(out)); process.exit(0); });
        socket.on('error', (e) => { out.net = e.code; console.log(JSON.stringify(out)); process.exit(0); });
      `;
      const args = bubblewrapArgs({
        readOnly: [nodeRoot, scope],
        readWrite: [],
        network: false,
        env: {},
        cwd: '/tmp',
      });
      const result = await runCommand(host.bubblewrap, [...args, process.execPath, '-e', script]);
      expect(result.code).toBe(0);
      const seen = JSON.parse(result.stdout);
      expect(seen.outside).toBe('ENOENT');
      expect(seen.inside).toBe('visible');
      expect(seen.write).toBe('EROFS');
      expect(seen.uid).toBe(65534);
      // Alone in its PID namespace (--as-pid-1): no unfiltered bubblewrap init beside it.
      expect(seen.pids).toBe(1);
      expect(seen.net).not.toBe('connected');
      expect(connections).toBe(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
