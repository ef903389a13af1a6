import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessage } from '@karnel/coordination';
import { createId } from '@karnel/core';
import { createNodeWorker, type Worker } from '@karnel/workers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubprocessAdapter, parseMemberCommand } from './subprocess-adapter';
import { createMemoryLedger, runAdapterConformance } from './testing';

const ECHO = `
import { readFileSync } from 'node:fs';
const message = JSON.parse(readFileSync(0, 'utf8'));
process.stderr.write('echo: got ' + message.id + '\\n');
process.stdout.write(JSON.stringify({
  status: 'completed',
  summary: 'echoed ' + message.payload.inputs.word,
  outputs: { word: message.payload.inputs.word },
}));
`;

const READ_OUTSIDE = `
import { readFileSync } from 'node:fs';
const stolen = readFileSync(new URL('../secret.txt', import.meta.url), 'utf8');
process.stdout.write(JSON.stringify({ status: 'completed', summary: stolen }));
`;

const OPEN_SOCKET_SCRIPT = `
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
const message = JSON.parse(readFileSync(0, 'utf8'));
await new Promise((resolve, reject) => {
  const socket = connect(Number(message.payload.inputs.port), '127.0.0.1', resolve);
  socket.on('error', reject);
});
process.stdout.write(JSON.stringify({ status: 'completed', summary: 'connected' }));
`;

const SLEEP = `setTimeout(() => {}, 60_000);`;

let groupDir: string;

beforeAll(async () => {
  groupDir = await mkdtemp(join(tmpdir(), 'karnel-adapters-subprocess-'));
  await mkdir(join(groupDir, 'tools'), { recursive: true });
  await writeFile(join(groupDir, 'secret.txt'), 'TOP-SECRET-VALUE');
  await writeFile(join(groupDir, 'tools', 'echo.mjs'), ECHO);
  await writeFile(join(groupDir, 'tools', 'read-outside.mjs'), READ_OUTSIDE);
  await writeFile(join(groupDir, 'tools', 'open-socket.mjs'), OPEN_SOCKET_SCRIPT);
  await writeFile(join(groupDir, 'tools', 'sleep.mjs'), SLEEP);
});

afterAll(async () => {
  await rm(groupDir, { recursive: true, force: true });
});

/** A real node worker that also counts the runs it was given, by Karnel run id. */
function countingWorker(counts: Map<string, number>): Worker {
  const worker = createNodeWorker();
  return {
    specificationVersion: 'v1',
    runtime: 'node',
    probe: () => worker.probe(),
    run: (skill, input, options) => {
      const runId = options?.env?.KARNEL_RUN_ID ?? '';
      counts.set(runId, (counts.get(runId) ?? 0) + 1);
      return worker.run(skill, input, options);
    },
  };
}

runAdapterConformance({
  name: 'createSubprocessAdapter',
  async setup({ ledger, taskClass }) {
    const counts = new Map<string, number>();
    return {
      adapter: createSubprocessAdapter({
        role: 'echo_script',
        command: 'node ./tools/echo.mjs',
        groupDir,
        taskClasses: [taskClass],
        ledger,
        worker: countingWorker(counts),
      }),
      workDone: async (runId) => counts.get(runId) ?? 0,
    };
  },
});

function task(inputs: Record<string, unknown>) {
  return createMessage({
    type: 'task',
    from: 'lead',
    to: 'script',
    payload: { title: 'probe', inputs },
  });
}

describe('createSubprocessAdapter', () => {
  it('runs the script in the sandbox and keeps its stderr in the ledger', async () => {
    const ledger = createMemoryLedger();
    const adapter = createSubprocessAdapter({
      role: 'script',
      command: 'node ./tools/echo.mjs',
      groupDir,
      ledger,
    });
    const runId = createId('run');
    const outcome = await adapter.invoke(task({ word: 'sandboxed' }), { runId });
    expect(outcome).toMatchObject({ status: 'completed', summary: 'echoed sandboxed' });
    const types = ledger.records.map((record) => record.type);
    expect(types).toContain('skill.run_started');
    expect(types).toContain('skill.run_finished');
    const stderr = ledger.records.find(
      (record) => record.type === 'adapter.progress' && record.body.event === 'stderr',
    );
    expect(String(stderr?.body.stderr)).toMatch(/^echo: got msg_/);
  });

  it('stops a script that reads outside its folder, as it would a skill', async () => {
    const ledger = createMemoryLedger();
    const adapter = createSubprocessAdapter({
      role: 'script',
      command: 'node ./tools/read-outside.mjs',
      groupDir,
      ledger,
    });
    const outcome = await adapter.invoke(task({}), { runId: createId('run') });
    expect(outcome.status).toBe('failed');
    const stderr = ledger.records.find((record) => record.body.event === 'stderr');
    expect(String(stderr?.body.stderr)).toMatch(/ENOENT|ERR_ACCESS_DENIED/);
    expect(JSON.stringify(ledger.records)).not.toContain('TOP-SECRET-VALUE');
    expect(ledger.records.map((record) => record.type)).toContain('adapter.error');
    // The same script run as a skill by the same worker is stopped the same way.
    const asSkill = await createNodeWorker().run(
      {
        name: 'read-outside',
        dir: join(groupDir, 'tools'),
        execution: {
          runtime: 'node',
          entry: 'read-outside.mjs',
          entryAbsolute: join(groupDir, 'tools', 'read-outside.mjs'),
          capabilities_required: [],
          sandbox: { network: 'disabled', max_memory_mb: 256, timeout_ms: 30_000 },
        },
      },
      '{}',
    );
    expect(asSkill.ok).toBe(false);
    expect(asSkill.output).not.toContain('TOP-SECRET-VALUE');
    const code = (text: string) => /ENOENT|ERR_ACCESS_DENIED/.exec(text)?.[0];
    expect(code(asSkill.stderr)).toBe(code(String(stderr?.body.stderr)));
  });

  it('stops a script that opens a socket, and nothing reaches the listener', async () => {
    let connections = 0;
    const listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = listener.address() as AddressInfo;
      const ledger = createMemoryLedger();
      const adapter = createSubprocessAdapter({
        role: 'script',
        command: 'node ./tools/open-socket.mjs',
        groupDir,
        ledger,
      });
      const outcome = await adapter.invoke(task({ port }), { runId: createId('run') });
      expect(outcome.status).toBe('failed');
      const stderr = ledger.records.find((record) => record.body.event === 'stderr');
      expect(String(stderr?.body.stderr)).toMatch(/ECONNREFUSED|ERR_ACCESS_DENIED|network/i);
      expect(outcome.summary).not.toBe('connected');
      expect(connections).toBe(0);
    } finally {
      listener.close();
    }
  });

  it('kills a script that runs past its timeout', async () => {
    const adapter = createSubprocessAdapter({
      role: 'script',
      command: 'node ./tools/sleep.mjs',
      groupDir,
      timeoutMs: 500,
    });
    const outcome = await adapter.invoke(task({}), { runId: createId('run') });
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(outcome.summary).toContain('stopped (timeout)');
  });

  it('cancels a running script', async () => {
    const adapter = createSubprocessAdapter({
      role: 'script',
      command: 'node ./tools/sleep.mjs',
      groupDir,
    });
    const runId = createId('run');
    const running = adapter.invoke(task({}), { runId });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await adapter.cancel(runId)).toBe(true);
    expect((await running).status).toBe('cancelled');
  });

  it('refuses a command that is not node or python with a script', async () => {
    expect(parseMemberCommand('bash -c "rm -rf /"')).toBeUndefined();
    expect(parseMemberCommand('node ./tools/ci-runner.mjs')).toEqual({
      runtime: 'node',
      script: './tools/ci-runner.mjs',
    });
    expect(() => createSubprocessAdapter({ role: 'x', command: 'sh run.sh', groupDir })).toThrow(
      'must be "node <script>" or "python3 <script>"',
    );
    const missing = createSubprocessAdapter({ role: 'x', command: 'node ./nope.mjs', groupDir });
    const report = await missing.check();
    expect(report.status).toBe('fail');
    expect(report.checks[0]).toMatchObject({ code: 'subprocess/command', level: 'fail' });
  });
});
