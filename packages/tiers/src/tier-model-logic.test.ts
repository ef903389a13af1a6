import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { APICallError } from '@ai-sdk/provider';
import { simulateReadableStream, streamText } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { TierUnavailableError } from './errors';
import { fallbackReason } from './fallback-reason';
import { createTierModel } from './tier-model';
import type { TierCandidate, TierProvider } from './tiers-config';

const provider = (name: string): TierProvider => ({
  name,
  kind: 'openai-compatible',
  baseUrl: `http://127.0.0.1/${name}`,
  local: true,
  timeoutMs: 1000,
});
const candidate = (id: string): TierCandidate => ({
  id,
  provider: provider(id.split(':')[0]!),
  model: id.split(':')[1]!,
  file: 'tiers.yaml',
});
const usage = {
  inputTokens: { total: 3, noCache: 3, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 2, text: 2, reasoning: 0 },
};
const apiError = (statusCode: number) =>
  new APICallError({
    message: `HTTP ${statusCode}`,
    url: 'http://x',
    requestBodyValues: {},
    statusCode,
  });

function streamOf(parts: LanguageModelV4StreamPart[], failAfter?: number) {
  if (failAfter === undefined) return { stream: simulateReadableStream({ chunks: parts }) };
  let index = 0;
  return {
    stream: new ReadableStream<LanguageModelV4StreamPart>({
      pull(controller) {
        if (index === failAfter) return controller.error(apiError(500));
        controller.enqueue(parts[index++]!);
      },
    }),
  };
}
const parts: LanguageModelV4StreamPart[] = [
  { type: 'stream-start', warnings: [] },
  { type: 'text-start', id: '1' },
  { type: 'text-delta', id: '1', delta: 'hi' },
  { type: 'text-end', id: '1' },
  { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
];

function tierOf(models: Record<string, MockLanguageModelV4>) {
  return createTierModel({
    resolution: {
      tier: 'fast-general',
      candidates: Object.keys(models).map(candidate),
      excluded: [],
    },
    registry: { languageModel: (id) => models[id]! },
  });
}

describe('fallbackReason', () => {
  it('allows fallback on 429, 5xx and transport errors only', () => {
    expect(fallbackReason(apiError(429))).toMatch(/429/);
    expect(fallbackReason(apiError(502))).toMatch(/502/);
    expect(fallbackReason(apiError(400))).toBeUndefined();
    expect(fallbackReason(apiError(401))).toBeUndefined();
    expect(
      fallbackReason(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })),
    ).toMatch(/transport/);
    expect(fallbackReason(new Error('wrapped', { cause: { status_code: 503 } }))).toMatch(/503/);
    expect(fallbackReason(new Error('a bug'))).toBeUndefined();
  });
});

describe('createTierModel (mock models)', () => {
  it('is a LanguageModelV4 that streams from the first candidate that answers', async () => {
    const first = new MockLanguageModelV4({
      doStream: async () => {
        throw apiError(503);
      },
    });
    const second = new MockLanguageModelV4({ doStream: streamOf(parts) });
    const model = tierOf({ 'a:one': first, 'b:two': second });
    expect(model.specificationVersion).toBe('v4');
    expect(await streamText({ model, prompt: 'x', maxRetries: 0 }).text).toBe('hi');
    expect(first.doStreamCalls).toHaveLength(1);
    expect(second.doStreamCalls).toHaveLength(1);
  });

  it('falls back on an error before the first content part, never after', async () => {
    const before = new MockLanguageModelV4({ doStream: streamOf(parts, 1) });
    const after = new MockLanguageModelV4({ doStream: streamOf(parts, 3) });
    const spare = new MockLanguageModelV4({ doStream: streamOf(parts) });
    expect(
      await streamText({ model: tierOf({ 'a:x': before, 'c:z': spare }), prompt: 'x' }).text,
    ).toBe('hi');
    expect(spare.doStreamCalls).toHaveLength(1);

    const result = streamText({
      model: tierOf({ 'b:y': after, 'c:z': spare }),
      prompt: 'x',
      maxRetries: 0,
    });
    const types: string[] = [];
    let failure: unknown;
    try {
      for await (const part of result.fullStream) types.push(part.type);
    } catch (error) {
      failure = error;
    }
    expect(types).toContain('text-delta');
    expect(APICallError.isInstance(failure) && failure.statusCode).toBe(500);
    expect(spare.doStreamCalls).toHaveLength(1);
  });

  it('drops an off-machine candidate from local-private even if a resolution lists it', async () => {
    const cloud = new MockLanguageModelV4({ doStream: streamOf(parts) });
    const remote = { ...candidate('cloud:big'), provider: { ...provider('cloud'), local: false } };
    const model = createTierModel({
      resolution: { tier: 'local-private', candidates: [remote], excluded: [] },
      registry: { languageModel: () => cloud },
    });
    const error = await model.doStream({ prompt: [] }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(TierUnavailableError.isInstance(error)).toBe(true);
    expect(cloud.doStreamCalls).toHaveLength(0);
    expect(model.candidates).toEqual([]);
  });

  it('with no usable candidate, throws without calling anything', async () => {
    const model = createTierModel({
      resolution: {
        tier: 'local-private',
        candidates: [],
        excluded: [
          {
            candidate: candidate('cloud:big'),
            reason: 'local-private never resolves to a model off this machine',
          },
        ],
      },
      registry: {
        languageModel: () => {
          throw new Error('never asked');
        },
      },
    });
    const error = await model.doGenerate({ prompt: [] }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(TierUnavailableError.isInstance(error)).toBe(true);
    expect((error as TierUnavailableError).attempts).toEqual([
      {
        candidate: 'cloud:big',
        reason: 'local-private never resolves to a model off this machine',
      },
    ]);
  });
});
