import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessage } from '@karnel/coordination';
import { createId } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpAdapter, signHttpBody } from './http-adapter';
import { runAdapterConformance } from './testing';

const KEY = 'test-signing-key-not-a-real-secret';

interface WorkServer {
  readonly url: string;
  /** Work done per idempotency key. */
  readonly work: Map<string, number>;
  /** Requests seen, in order, with how each was answered. */
  readonly log: string[];
  /** Failures to inject before answering, consumed in order. */
  readonly failures: Array<'503' | 'drop-after-work' | '429'>;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function verify(request: IncomingMessage, body: string): boolean {
  const timestamp = String(request.headers['x-karnel-timestamp'] ?? '');
  const given = Buffer.from(String(request.headers['x-karnel-signature'] ?? ''));
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', KEY).update(`${timestamp}.${body}`).digest('hex')}`,
  );
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function startWorkServer(): Promise<WorkServer> {
  const work = new Map<string, number>();
  const answers = new Map<string, string>();
  const log: string[] = [];
  const failures: WorkServer['failures'] = [];
  const server: Server = createServer(
    async (request: IncomingMessage, response: ServerResponse) => {
      if (request.method === 'GET') {
        log.push('health');
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        return;
      }
      const body = await readBody(request);
      const key = String(request.headers['idempotency-key'] ?? '');
      if (!verify(request, body) || !key) {
        log.push('unauthorised');
        response.writeHead(401).end();
        return;
      }
      const failure = failures.shift();
      if (failure === '503' || failure === '429') {
        log.push(failure);
        response.writeHead(Number(failure), { 'retry-after': '0' }).end();
        return;
      }
      let answer = answers.get(key);
      if (answer === undefined) {
        const { message } = JSON.parse(body) as {
          message: { payload: { inputs: { word: string } } };
        };
        work.set(key, (work.get(key) ?? 0) + 1);
        answer = JSON.stringify({
          status: 'completed',
          summary: `echoed ${message.payload.inputs.word}`,
          outputs: { word: message.payload.inputs.word },
          cost: { amount: '0.002', currency: 'USD' },
        });
        answers.set(key, answer);
      }
      if (failure === 'drop-after-work') {
        log.push('dropped');
        request.socket.destroy();
        return;
      }
      log.push('answered');
      response.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/invoke`,
    work,
    log,
    failures,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const environment = { KARNEL_TEST_HTTP_KEY: KEY };

runAdapterConformance({
  name: 'createHttpAdapter',
  async setup({ ledger, taskClass }) {
    const server = await startWorkServer();
    return {
      adapter: createHttpAdapter({
        role: 'echo_service',
        endpoint: server.url,
        taskClasses: [taskClass],
        ledger,
        signingKey: 'env:KARNEL_TEST_HTTP_KEY',
        environment,
        baseDelayMs: 1,
      }),
      workDone: async (runId) => server.work.get(runId) ?? 0,
      close: () => server.close(),
    };
  },
});

describe('createHttpAdapter', () => {
  let server: WorkServer | undefined;
  let folder: string | undefined;
  afterEach(async () => {
    await server?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
    server = undefined;
    folder = undefined;
  });

  it('survives a 503 and a dropped connection: one piece of work, one outcome in the ledger', async () => {
    server = await startWorkServer();
    server.failures.push('503', 'drop-after-work');
    folder = await mkdtemp(join(tmpdir(), 'karnel-adapters-http-'));
    const ledger = await openLedger(join(folder, 'ledger'));
    try {
      const adapter = createHttpAdapter({
        role: 'echo_service',
        endpoint: server.url,
        ledger,
        signingKey: 'env:KARNEL_TEST_HTTP_KEY',
        environment,
        baseDelayMs: 5,
      });
      const runId = createId('run');
      const message = createMessage({
        type: 'task',
        from: 'lead',
        to: 'echo_service',
        payload: { title: 'echo', inputs: { word: 'hello' } },
      });
      const outcome = await adapter.invoke(message, { runId });
      expect(outcome).toMatchObject({
        runId,
        status: 'completed',
        summary: 'echoed hello',
        cost: { amount: '0.002', currency: 'USD' },
      });
      expect(server.log).toEqual(['503', 'dropped', 'answered']);
      expect(server.work.get(runId)).toBe(1);
      const entries = [];
      for await (const entry of ledger.entries()) entries.push(entry);
      const types = entries.map((entry) => entry.type);
      expect(types.filter((type) => type === 'adapter.outcome')).toHaveLength(1);
      expect(types.filter((type) => type === 'adapter.progress')).toHaveLength(2);
      expect(types).toContain('adapter.cost');
      // A second invocation under the same run id is answered from the ledger.
      const again = await adapter.invoke(message, { runId });
      expect(again).toMatchObject({ status: 'completed', replayed: true });
      expect(server.log).toHaveLength(3);
    } finally {
      await ledger.close();
    }
  });

  it('gives up after the last retry with an adapter.error record and a failed outcome', async () => {
    server = await startWorkServer();
    server.failures.push('429', '503', '503');
    const records: string[] = [];
    const adapter = createHttpAdapter({
      role: 'echo_service',
      endpoint: server.url,
      ledger: { append: async (record) => records.push(record.type) },
      signingKey: 'env:KARNEL_TEST_HTTP_KEY',
      environment,
      retries: 2,
      baseDelayMs: 1,
    });
    const message = createMessage({
      type: 'task',
      from: 'lead',
      to: 'echo_service',
      payload: { title: 'echo', inputs: { word: 'x' } },
    });
    const outcome = await adapter.invoke(message, { runId: createId('run') });
    expect(outcome.status).toBe('failed');
    expect(outcome.summary).toContain('HTTP 503 after 3 attempts');
    expect(records).toEqual([
      'adapter.invoked',
      'adapter.progress',
      'adapter.progress',
      'adapter.error',
    ]);
  });

  it('refuses a key written into the member file, and fails check() for a missing key', async () => {
    server = await startWorkServer();
    const adapter = createHttpAdapter({
      role: 'echo_service',
      endpoint: server.url,
      signingKey: 'env:KARNEL_UNSET_KEY',
      environment: {},
    });
    const report = await adapter.check();
    expect(report.status).toBe('fail');
    expect(report.checks.find((check) => check.code === 'http/signing-key')).toMatchObject({
      level: 'fail',
      message:
        'the environment variable KARNEL_UNSET_KEY named by "env:KARNEL_UNSET_KEY" is not set',
    });
    const literal = createHttpAdapter({
      role: 'echo_service',
      endpoint: server.url,
      signingKey: 'sk-live-1234',
    });
    const literalReport = await literal.check();
    expect(literalReport.checks[0]?.message).toContain('never as the secret itself');
  });

  it('rejects an answer that is not an outcome', async () => {
    const bad = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"done"}');
    });
    await new Promise<void>((resolve) => bad.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = bad.address() as AddressInfo;
      const adapter = createHttpAdapter({ role: 'svc', endpoint: `http://127.0.0.1:${port}/` });
      const message = createMessage({
        type: 'info',
        from: 'lead',
        to: 'svc',
        payload: { text: 'hi' },
      });
      const outcome = await adapter.invoke(message, { runId: createId('run') });
      expect(outcome.status).toBe('failed');
      expect(outcome.summary).toMatch(/^svc answered with a body that is not an outcome: status:/);
    } finally {
      bad.close();
    }
  });

  it('polls a poll_url until long work ends, and refuses one on another origin', async () => {
    let polls = 0;
    const slow = createServer((request, response) => {
      request.resume();
      response.setHeader('content-type', 'application/json');
      if (request.method === 'POST') {
        response.end(JSON.stringify({ status: 'accepted', poll_url: '/runs/1' }));
        return;
      }
      polls++;
      response.end(
        polls < 3
          ? JSON.stringify({ status: 'accepted', poll_url: '/runs/1' })
          : JSON.stringify({ status: 'partial', summary: 'half of it', artifacts: ['out.md'] }),
      );
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = slow.address() as AddressInfo;
      const adapter = createHttpAdapter({
        role: 'svc',
        endpoint: `http://127.0.0.1:${port}/invoke`,
        pollIntervalMs: 5,
      });
      const message = createMessage({
        type: 'info',
        from: 'lead',
        to: 'svc',
        payload: { text: 'go' },
      });
      const outcome = await adapter.invoke(message, { runId: createId('run') });
      expect(outcome).toMatchObject({
        status: 'partial',
        summary: 'half of it',
        artifacts: ['out.md'],
      });
      expect(polls).toBe(3);
    } finally {
      slow.close();
    }
    const elsewhere = createServer((request, response) => {
      request.resume();
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ status: 'accepted', poll_url: 'http://example.invalid/x' }));
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = elsewhere.address() as AddressInfo;
      const adapter = createHttpAdapter({ role: 'svc', endpoint: `http://127.0.0.1:${port}/` });
      const message = createMessage({
        type: 'info',
        from: 'lead',
        to: 'svc',
        payload: { text: 'go' },
      });
      const outcome = await adapter.invoke(message, { runId: createId('run') });
      expect(outcome).toMatchObject({
        status: 'failed',
        summary: 'svc gave a poll_url on another origin (http://example.invalid)',
      });
    } finally {
      elsewhere.close();
    }
  });

  it('signs the body so that a receiver can verify it', () => {
    expect(signHttpBody('k', '1', '{}')).toBe(
      `sha256=${createHmac('sha256', 'k').update('1.{}').digest('hex')}`,
    );
  });
});
