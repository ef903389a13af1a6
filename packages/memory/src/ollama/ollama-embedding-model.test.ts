import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { embed, embedMany } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { createOllamaEmbeddingModel } from './ollama-embedding-model';

interface EmbedRequestBody {
  model: string;
  input: string[];
  truncate?: boolean;
  keep_alive?: string | number;
  dimensions?: number;
}

/** A loopback server that answers Ollama's POST /api/embed with a vector per input (its length and word count). */
async function startOllama(
  status = 200,
): Promise<{ url: string; requests: EmbedRequestBody[]; server: Server }> {
  const requests: EmbedRequestBody[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    if (request.method !== 'POST' || request.url !== '/api/embed') {
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'not found' }));
      return;
    }
    const parsed = JSON.parse(body) as EmbedRequestBody;
    requests.push(parsed);
    if (status !== 200) {
      response
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: `model "${parsed.model}" not found, try pulling it first` }));
      return;
    }
    const embeddings = parsed.input.map((text) => [text.length, text.split(' ').length, 1]);
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        model: parsed.model,
        embeddings,
        total_duration: 1000,
        load_duration: 10,
        prompt_eval_count: parsed.input.length * 3,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

describe('createOllamaEmbeddingModel', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
    );
  });

  it('embeds through Ollama /api/embed with the AI SDK embed and embedMany', async () => {
    const ollama = await startOllama();
    servers.push(ollama.server);
    const model = createOllamaEmbeddingModel({
      model: 'nomic-embed-text',
      host: ollama.url,
      keepAlive: '5m',
      maxEmbeddingsPerCall: 2,
    });
    expect(model).toMatchObject({
      specificationVersion: 'v4',
      provider: 'ollama',
      modelId: 'nomic-embed-text',
    });

    const single = await embed({ model, value: 'hello world' });
    expect(single.embedding).toEqual([11, 2, 1]);
    expect(single.usage.tokens).toBe(3);

    const many = await embedMany({ model, values: ['a', 'b c', 'd e f', 'g'] });
    expect(many.embeddings).toEqual([
      [1, 1, 1],
      [3, 2, 1],
      [5, 3, 1],
      [1, 1, 1],
    ]);
    expect(ollama.requests.map((request) => request.input)).toEqual([
      ['hello world'],
      ['a', 'b c'],
      ['d e f', 'g'],
    ]);
    expect(ollama.requests[0]).toMatchObject({
      model: 'nomic-embed-text',
      truncate: true,
      keep_alive: '5m',
    });
  });

  it('passes a server error on, so the caller sees why', async () => {
    const ollama = await startOllama(404);
    servers.push(ollama.server);
    const model = createOllamaEmbeddingModel({ model: 'absent-model', host: ollama.url });
    await expect(embed({ model, value: 'x', maxRetries: 0 })).rejects.toThrow(
      /absent-model.*not found/,
    );
  });

  it('stops a call when its abort signal fires', async () => {
    const ollama = await startOllama();
    servers.push(ollama.server);
    const model = createOllamaEmbeddingModel({ model: 'm', host: ollama.url });
    const controller = new AbortController();
    controller.abort();
    await expect(
      embed({ model, value: 'x', maxRetries: 0, abortSignal: controller.signal }),
    ).rejects.toThrow(/abort/i);
    expect(ollama.requests).toEqual([]);
  });
});
