import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createPolicy, type PolicyRule } from '@karnel/policy';
import type { Skill } from '@karnel/skills';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSkill, makeTempDir } from '../test/make-skill';
import { requireBubblewrap } from '../test/require-bubblewrap';
import { createNodeWorker } from './node-worker';
import { createPythonWorker } from './python-worker';
import type { IsolationMode } from './subprocess-run';
import type { Worker, WorkerResult } from './worker';

const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures');
await requireBubblewrap();
// Every layer this machine has is tested: bubblewrap when it works here, and always the
// process-level fallback. The assertions are the same: the attempt was denied or killed.
const modes: IsolationMode[] = ['auto', 'process'];

const runtimes = [
  {
    runtime: 'node' as const,
    entry: 'scripts/main.mjs',
    source: 'canary.mjs',
    create: createNodeWorker,
  },
  {
    runtime: 'python' as const,
    entry: 'scripts/main.py',
    source: 'canary.py',
    create: createPythonWorker,
  },
];

function allowRules(parent: string): PolicyRule[] {
  return [
    { effect: 'allow', capability: `fs.read:${parent}/**` },
    { effect: 'allow', capability: `fs.write:${parent}/**` },
    { effect: 'allow', capability: 'net' },
  ];
}

/** Denied or killed: the skill saw an error, or the worker stopped it. Never an escape. */
function expectContained(result: WorkerResult, secret?: string): void {
  if (process.env.KARNEL_DEBUG_CANARY)
    console.log(
      JSON.stringify({
        out: result.output,
        err: result.stderr.slice(0, 300),
        killedBy: result.killedBy,
        reason: result.reason,
      }),
    );
  expect(result.output).not.toContain('ESCAPED:');
  if (secret) {
    expect(result.output).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
  expect(result.output.includes('DENIED:') || result.killedBy !== undefined).toBe(true);
}

describe.each(runtimes)('$runtime escape canaries', ({ runtime, entry, source, create }) => {
  describe.each(modes)('isolation %s', (isolation) => {
    let parent: string;
    let skill: Skill;
    let worker: Worker;
    let outsideSecret: string;
    let outsideFile: string;
    let server: Server;
    let port: number;
    let connections = 0;
    const policy = () => createPolicy({ rules: allowRules(parent) });

    beforeAll(async () => {
      parent = await makeTempDir();
      outsideSecret = `outside-${randomBytes(8).toString('hex')}`;
      outsideFile = join(parent, 'outside.txt');
      await writeFile(outsideFile, outsideSecret);
      skill = await makeSkill(parent, {
        name: `canary-${runtime}`,
        runtime,
        entry,
        files: {
          [entry]: await readFile(join(fixtures, source), 'utf8'),
          'data/inside.txt': 'inside',
        },
        sandbox: {
          max_memory_mb: 128,
          timeout_ms: 20_000,
          filesystem: { read: ['data/**'], write: ['out'] },
        },
      });
      worker = create({ isolation });
      server = createServer((socket) => {
        connections++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });

    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const run = (
      task: Record<string, unknown>,
      extra: Partial<Parameters<Worker['run']>[2]> = {},
    ) => worker.run(skill, task, { policy: policy(), ...extra });

    it('denies reading outside the scope through ../', async () => {
      const result = await run({
        technique: 'read-dotdot',
        path: join(skill.dir, 'data', '..', '..', 'outside.txt'),
      });
      expectContained(result, outsideSecret);
    });

    it('denies reading outside the scope through an absolute path', async () => {
      const result = await run({ technique: 'read-absolute', path: outsideFile });
      expectContained(result, outsideSecret);
    });

    it('denies reading outside the scope through a symlink inside it', async () => {
      // A skill of its own: without bubblewrap, the planted link makes the worker refuse every
      // run of the skill, which would hide what the other canaries test.
      const linked = await makeSkill(parent, {
        name: `symlink-${runtime}-${isolation}`,
        runtime,
        entry,
        files: {
          [entry]: await readFile(join(fixtures, source), 'utf8'),
          'data/inside.txt': 'inside',
        },
        sandbox: { filesystem: { read: ['data/**'] } },
      });
      await symlink(outsideFile, join(linked.dir, 'data', 'link.txt'));
      const result = await worker.run(
        linked,
        { technique: 'read-symlink', path: join(linked.dir, 'data', 'link.txt') },
        { policy: policy() },
      );
      expectContained(result, outsideSecret);
    });

    it('denies writing outside the scope', async () => {
      const target = join(parent, `written-${randomBytes(4).toString('hex')}.txt`);
      const result = await run({ technique: 'write-outside', path: target });
      expectContained(result);
      expect(existsSync(target)).toBe(false);
    });

    it('denies a network connection without net, and the server sees none', async () => {
      const before = connections;
      const result = await run({ technique: 'network', port });
      expectContained(result);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(connections).toBe(before);
    });

    it('kills or refuses a skill that goes over its memory cap', async () => {
      const result = await run({ technique: 'memory' });
      expectContained(result);
      expect(result.output).not.toContain('allocated');
    });

    it('kills a skill that runs past its timeout', async () => {
      const timed = await makeSkill(parent, {
        name: `timeout-${runtime}-${isolation}`,
        runtime,
        entry,
        files: { [entry]: await readFile(join(fixtures, source), 'utf8') },
        sandbox: { timeout_ms: 1_000 },
      });
      const result = await worker.run(timed, { technique: 'timeout' });
      expect(result.ok).toBe(false);
      expect(result.killedBy).toBe('timeout');
    });

    it('denies spawning a child process to escape', async () => {
      const result = await run({ technique: 'spawn' });
      expectContained(result);
      expect(result.output).not.toContain('child-ran');
    });

    it('denies signalling a process outside the sandbox', async () => {
      const victim = spawn('sleep', ['60'], { stdio: 'ignore' });
      try {
        const result = await run({ technique: 'signal', pid: victim.pid });
        expectContained(result);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(victim.exitCode).toBeNull();
        expect(victim.signalCode).toBeNull();
      } finally {
        victim.kill('SIGKILL');
      }
    });

    it("does not let the skill read the parent's environment secrets", async () => {
      const secret = `secret-${randomBytes(8).toString('hex')}`;
      process.env.KARNEL_CANARY_SECRET = secret;
      try {
        const result = await run({ technique: 'environment' });
        expect(result.output).toContain('ENV:');
        expect(result.output).not.toContain(secret);
        expect(result.output).not.toContain('KARNEL_CANARY_SECRET');
        expect(result.stderr).not.toContain(secret);
      } finally {
        delete process.env.KARNEL_CANARY_SECRET;
      }
    });

    it('hands over a secret only when policy grants secrets.read for it', async () => {
      const secret = `granted-${randomBytes(8).toString('hex')}`;
      const source = { KARNEL_GRANTED: secret };
      const denied = await run(
        { technique: 'environment' },
        { secrets: ['KARNEL_GRANTED'], secretSource: source },
      );
      expect(denied.killedBy).toBe('policy');
      expect(denied.output).not.toContain(secret);
      const allowed = await worker.run(
        skill,
        { technique: 'environment' },
        {
          policy: createPolicy({
            rules: [
              ...allowRules(parent),
              { effect: 'allow', capability: 'secrets.read:KARNEL_GRANTED' },
            ],
          }),
          secrets: ['KARNEL_GRANTED'],
          secretSource: source,
        },
      );
      expect(allowed.output).toContain(`KARNEL_GRANTED=${secret}`);
    });

    it('reads inside its scope and writes its output folder (the control case)', async () => {
      const result = await run({
        technique: 'read-absolute',
        path: join(skill.dir, 'data', 'inside.txt'),
      });
      expect(result.output).toContain('ESCAPED:inside');
      const target = join(skill.dir, 'out', 'result.txt');
      const written = await run({ technique: 'write-outside', path: target });
      expect(written.output).toContain('ESCAPED:wrote');
      expect(await readFile(target, 'utf8')).toBe('written by a sandboxed skill');
    });
  });
});

describe.each(runtimes)('$runtime network control', ({ runtime, entry, source, create }) => {
  it('connects when the sandbox enables the network and policy grants net', async () => {
    const parent = await makeTempDir();
    const skill = await makeSkill(parent, {
      name: `net-${runtime}`,
      runtime,
      entry,
      files: { [entry]: await readFile(join(fixtures, source), 'utf8') },
      capabilities: ['net:127.0.0.1'],
      sandbox: { network: 'enabled' },
    });
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const denied = await create().run(skill, { technique: 'network', port });
      expect(denied.killedBy).toBe('policy');
      expect(connections).toBe(0);
      const result = await create().run(
        skill,
        { technique: 'network', port },
        { policy: createPolicy({ rules: [{ effect: 'allow', capability: 'net:127.0.0.1' }] }) },
      );
      expect(result.output).toContain('ESCAPED:connected');
      expect(connections).toBeGreaterThan(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
