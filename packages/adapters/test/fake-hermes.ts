/**
 * A loopback server implementing the documented Hermes runs API (health, capabilities, runs with
 * Idempotency-Key replay and 409 on conflict, SSE events with Last-Event-ID, stop, approval),
 * counting the work it does. Test support, not a test.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const API_KEY = 'hermes-test-key';

export interface FakeRun {
  readonly id: string;
  readonly key: string;
  readonly mode: string;
  readonly events: Array<{ id: number; event: string; data: unknown }>;
  readonly streams: Set<ServerResponse>;
  dropsLeft: number;
  done: boolean;
}

/** A loopback server implementing the documented Hermes runs API, and counting the work. */
export interface FakeHermes {
  readonly url: string;
  /** Runs started, by idempotency key. */
  readonly started: Map<string, number>;
  readonly runs: Map<string, FakeRun>;
  readonly approvals: Array<{ approval_id: string; decision: string }>;
  readonly stops: string[];
  /** Answer the next POST /v1/runs by dropping the connection after creating the run. */
  dropNextCreate: boolean;
  /** What /v1/capabilities says. */
  features: Record<string, boolean>;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeHermes(): Promise<FakeHermes> {
  const byKey = new Map<string, { hash: string; runId: string }>();
  const state: FakeHermes = {
    url: '',
    started: new Map(),
    runs: new Map(),
    approvals: [],
    stops: [],
    dropNextCreate: false,
    features: { run_submission: true, run_stop: true, run_events: true, run_approval: true },
    close: async () => undefined,
  };

  function emit(run: FakeRun, event: string, data: unknown) {
    const item = { id: run.events.length + 1, event, data };
    run.events.push(item);
    if (['run.completed', 'run.failed', 'run.cancelled'].includes(event)) run.done = true;
    for (const stream of run.streams) write(stream, item);
  }

  function write(stream: ServerResponse, item: FakeRun['events'][number]) {
    stream.write(`id: ${item.id}\nevent: ${item.event}\ndata: ${JSON.stringify(item.data)}\n\n`);
    if (['run.completed', 'run.failed', 'run.cancelled'].includes(item.event)) stream.end();
  }

  function json(response: ServerResponse, status: number, value: unknown) {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  }

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (request.headers.authorization !== `Bearer ${API_KEY}`) return json(response, 401, {});
    if (url.pathname === '/health') return json(response, 200, { status: 'ok' });
    if (url.pathname === '/v1/capabilities')
      return json(response, 200, { features: state.features });
    const body = request.method === 'POST' ? await readBody(request) : '';
    if (request.method === 'POST' && url.pathname === '/v1/runs') {
      const key = String(request.headers['idempotency-key'] ?? '');
      const hash = createHash('sha256').update(body).digest('hex');
      const known = byKey.get(key);
      if (known && known.hash !== hash)
        return json(response, 409, { error: 'idempotency conflict' });
      let runId = known?.runId;
      if (!runId) {
        runId = `hrun_${state.runs.size + 1}`;
        byKey.set(key, { hash, runId });
        state.started.set(key, (state.started.get(key) ?? 0) + 1);
        const parsed = JSON.parse(body) as { input: string };
        const mode = /"scenario": "(\w+)"/.exec(parsed.input)?.[1] ?? 'simple';
        const run: FakeRun = {
          id: runId,
          key,
          mode,
          events: [],
          streams: new Set(),
          dropsLeft: mode === 'drop' ? 1 : 0,
          done: false,
        };
        state.runs.set(runId, run);
        emit(run, 'run.started', { run_id: runId });
        if (mode === 'approval')
          emit(run, 'approval.requested', {
            approval_id: 'ap_1',
            description: 'run a shell command',
            command: 'git push',
          });
        else if (mode === 'simple' || mode === 'drop') {
          emit(run, 'message.delta', { text: 'writing…' });
          emit(run, 'run.completed', {
            output: 'wrote the feature',
            cost: { amount: '0.031', currency: 'USD' },
          });
        }
      }
      if (state.dropNextCreate) {
        state.dropNextCreate = false;
        request.socket.destroy();
        return;
      }
      return json(response, 202, { run_id: runId, status: 'running' });
    }
    const match = /^\/v1\/runs\/([^/]+)\/(events|stop|approval)$/.exec(url.pathname);
    const run = match ? state.runs.get(decodeURIComponent(match[1] as string)) : undefined;
    if (!match || !run) return json(response, 404, {});
    if (match[2] === 'events') {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const after = Number(request.headers['last-event-id'] ?? 0);
      const pending = run.events.filter((item) => item.id > after);
      if (run.dropsLeft > 0) {
        run.dropsLeft--;
        const first = pending[0];
        if (first)
          response.write(
            `id: ${first.id}\nevent: ${first.event}\ndata: ${JSON.stringify(first.data)}\n\n`,
          );
        setTimeout(() => request.socket.destroy(), 20);
        return;
      }
      for (const item of pending) write(response, item);
      if (!run.done) {
        run.streams.add(response);
        response.on('close', () => run.streams.delete(response));
      }
      return;
    }
    if (match[2] === 'stop') {
      state.stops.push(run.id);
      if (!run.done) emit(run, 'run.cancelled', {});
      return json(response, 200, { status: 'stopping' });
    }
    const decision = JSON.parse(body) as { approval_id: string; decision: string };
    state.approvals.push(decision);
    if (decision.decision === 'approve')
      emit(run, 'run.completed', { output: 'pushed after approval' });
    else emit(run, 'run.failed', { error: 'the approval was denied' });
    return json(response, 200, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
