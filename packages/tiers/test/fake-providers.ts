// Loopback HTTP servers that speak just enough of Ollama's API and OpenAI's chat-completions API
// for the tests, with failure injection. They record every request they receive.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server does with the next chat request. */
export type Behaviour =
  | {
      kind: 'ok';
      text?: string;
      inputTokens?: number;
      outputTokens?: number;
      cachedTokens?: number;
    }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'cut' }
  | { kind: 'slow'; delayMs: number };

export interface ReceivedRequest {
  method: string;
  path: string;
  body: unknown;
  /** Arrival order across every fake server of the test process, from 1. */
  order: number;
}

let arrivals = 0;

export interface FakeServer {
  url: string;
  received: ReceivedRequest[];
  chats(): ReceivedRequest[];
  /** Behaviours for the next chat requests, in order; `ok` once they run out. */
  script: Behaviour[];
  /** Delay before answering any request, ms (a slow server, whatever the path). */
  delayMs: number;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

async function start(
  handle: (
    request: ReceivedRequest,
    response: ServerResponse,
    behaviour: Behaviour,
  ) => Promise<void> | void,
  isChat: (path: string) => boolean,
): Promise<FakeServer> {
  const received: ReceivedRequest[] = [];
  const script: Behaviour[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const fake = { delayMs: 0 };
  const server: Server = createServer(async (request, response) => {
    if (fake.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fake.delayMs));
    const order = ++arrivals;
    const entry = {
      method: request.method ?? '',
      path: request.url ?? '',
      body: await readBody(request),
      order,
    };
    received.push(entry);
    const behaviour = isChat(entry.path)
      ? (script.shift() ?? { kind: 'ok' })
      : { kind: 'ok' as const };
    if (behaviour.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (behaviour.retryAfter) headers['retry-after'] = behaviour.retryAfter;
      response.writeHead(behaviour.status, headers);
      const message = `injected ${behaviour.status}`;
      // Ollama answers errors as {"error": "…"}, OpenAI as {"error": {"message": "…"}}.
      response.end(JSON.stringify({ error: isChat('/api/chat') ? message : { message } }));
      return;
    }
    if (behaviour.kind === 'slow')
      await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (response.destroyed) return;
    await handle(entry, response, behaviour);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    received,
    script,
    chats: () => received.filter((request) => isChat(request.path)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}

function tokens(behaviour: Behaviour) {
  const ok = behaviour.kind === 'ok' ? behaviour : { kind: 'ok' as const };
  return {
    text: ok.text ?? 'hello from the fake',
    input: ok.inputTokens ?? 12,
    output: ok.outputTokens ?? 5,
    cached: ok.cachedTokens ?? 0,
  };
}

/** A fake Ollama server holding `models`. */
export function startFakeOllama(models: string[] = ['qwen3:8b']): Promise<FakeServer> {
  return start(
    (request, response, behaviour) => {
      response.setHeader('content-type', 'application/json');
      if (request.path === '/api/tags') {
        response.end(
          JSON.stringify({
            models: models.map((name) => ({
              name,
              model: name,
              modified_at: '2026-01-01T00:00:00Z',
              size: 5_000_000_000,
              digest: 'sha256:0',
              details: {
                format: 'gguf',
                family: 'qwen3',
                parameter_size: '8B',
                quantization_level: 'Q4_K_M',
              },
            })),
          }),
        );
        return;
      }
      if (request.path === '/api/show') {
        response.end(
          JSON.stringify({
            modelfile: '',
            parameters: '',
            template: '',
            details: {},
            model_info: { 'qwen3.context_length': 32768 },
            capabilities: ['completion', 'tools'],
          }),
        );
        return;
      }
      if (request.path === '/api/chat') {
        const body = request.body as { model: string; stream?: boolean };
        const { text, input, output } = tokens(behaviour);
        const done = {
          model: body.model,
          created_at: '2026-01-01T00:00:00Z',
          message: { role: 'assistant', content: '' },
          done: true,
          done_reason: 'stop',
          total_duration: 1,
          prompt_eval_count: input,
          eval_count: output,
        };
        if (body.stream === false) {
          response.end(JSON.stringify({ ...done, message: { role: 'assistant', content: text } }));
          return;
        }
        response.setHeader('content-type', 'application/x-ndjson');
        const words = text.split(' ');
        response.write(
          `${JSON.stringify({ model: body.model, created_at: done.created_at, message: { role: 'assistant', content: `${words[0]} ` }, done: false })}\n`,
        );
        if (behaviour.kind === 'cut') {
          setTimeout(() => response.socket?.destroy(), 20);
          return;
        }
        for (const word of words.slice(1))
          response.write(
            `${JSON.stringify({ model: body.model, created_at: done.created_at, message: { role: 'assistant', content: `${word} ` }, done: false })}\n`,
          );
        response.end(`${JSON.stringify(done)}\n`);
        return;
      }
      response.statusCode = 404;
      response.end(JSON.stringify({ error: 'not found' }));
    },
    (path) => path === '/api/chat',
  );
}

/** A fake OpenAI chat-completions server. */
export function startFakeOpenAi(): Promise<FakeServer> {
  return start(
    (request, response, behaviour) => {
      if (request.path !== '/v1/chat/completions') {
        response.statusCode = 404;
        response.end('{}');
        return;
      }
      const body = request.body as { model: string; stream?: boolean };
      const { text, input, output, cached } = tokens(behaviour);
      const usage = {
        prompt_tokens: input,
        completion_tokens: output,
        total_tokens: input + output,
        prompt_tokens_details: { cached_tokens: cached },
      };
      const base = { id: 'chatcmpl-1', created: 1_767_225_600, model: body.model };
      if (!body.stream) {
        response.setHeader('content-type', 'application/json');
        response.end(
          JSON.stringify({
            ...base,
            object: 'chat.completion',
            choices: [
              { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' },
            ],
            usage,
          }),
        );
        return;
      }
      response.setHeader('content-type', 'text/event-stream');
      const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
      const words = text.split(' ');
      send({
        ...base,
        object: 'chat.completion.chunk',
        choices: [
          { index: 0, delta: { role: 'assistant', content: `${words[0]} ` }, finish_reason: null },
        ],
      });
      if (behaviour.kind === 'cut') {
        setTimeout(() => response.socket?.destroy(), 20);
        return;
      }
      for (const word of words.slice(1))
        send({
          ...base,
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta: { content: `${word} ` }, finish_reason: null }],
        });
      send({
        ...base,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
        usage,
      });
      response.end('data: [DONE]\n\n');
    },
    (path) => path === '/v1/chat/completions',
  );
}

/** A URL on loopback where nothing listens. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
