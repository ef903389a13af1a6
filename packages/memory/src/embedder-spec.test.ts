import { describe, expect, it } from 'vitest';
import { createEmbeddingModelFromSpec, parseEmbedderSpec } from './embedder-spec';

describe('embedder references', () => {
  it('parses ollama:<model> and hashing[:<dimensions>]', () => {
    expect(parseEmbedderSpec('ollama:nomic-embed-text')).toEqual({
      provider: 'ollama',
      model: 'nomic-embed-text',
    });
    expect(parseEmbedderSpec('ollama:library/model:latest')).toEqual({
      provider: 'ollama',
      model: 'library/model:latest',
    });
    expect(parseEmbedderSpec('hashing')).toEqual({ provider: 'hashing', dimensions: 256 });
    expect(parseEmbedderSpec('hashing:512')).toEqual({ provider: 'hashing', dimensions: 512 });
  });

  it('bounds the hashing dimensions (1e9 would allocate gigabytes) and refuses anything else', () => {
    for (const spec of [
      'hashing:7',
      'hashing:4097',
      'hashing:1000000000',
      'hashing:1e9',
      'hashing:',
      'ollama:',
      'ollama',
      'openai:x',
      '',
    ]) {
      expect(() => parseEmbedderSpec(spec)).toThrow(
        /expected ollama:<model> or hashing\[:<dimensions from 8 to 4096>\]/,
      );
    }
  });

  it('creates the model a reference names, checking the Ollama host', async () => {
    const hashing = await createEmbeddingModelFromSpec('hashing:64');
    expect(`${hashing.provider}:${hashing.modelId}`).toBe('karnel:hashing-64');
    const ollama = await createEmbeddingModelFromSpec('ollama:nomic-embed-text', {
      ollamaHost: 'http://127.0.0.1:1',
    });
    expect(`${ollama.provider}:${ollama.modelId}`).toBe('ollama:nomic-embed-text');
    await expect(
      createEmbeddingModelFromSpec('ollama:m', { ollamaHost: 'not a url' }),
    ).rejects.toThrow(/"not a url" is not a URL/);
    await expect(
      createEmbeddingModelFromSpec('ollama:m', { ollamaHost: 'ftp://127.0.0.1' }),
    ).rejects.toThrow(/not an http: or https: URL/);
  });
});
