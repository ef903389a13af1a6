import { afterEach, describe, expect, it } from 'vitest';
import { deadUrl, type FakeServer, startFakeOllama } from '../test/fake-providers';
import { detectMachineProfile } from './machine-profile';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('detectMachineProfile', () => {
  it('sees the machine, the Ollama server and its models, and which keys are set', async () => {
    server = await startFakeOllama(['qwen3:8b', 'llama3.2:3b']);
    const profile = await detectMachineProfile({
      ollamaHost: server.url,
      env: { OPENAI_API_KEY: 'sk-secret-value-123', LAB_API_KEY: '' },
      keyVariables: ['LAB_API_KEY'],
    });
    expect(profile.ramBytes).toBeGreaterThan(0);
    expect(profile.cpuCount).toBeGreaterThan(0);
    expect(profile.ollama).toMatchObject({ host: server.url, reachable: true });
    expect(profile.ollama.models.map((model) => model.name)).toEqual(['qwen3:8b', 'llama3.2:3b']);
    expect(profile.keysPresent).toEqual(['OPENAI_API_KEY']);
    expect(JSON.stringify(profile)).not.toContain('sk-secret');
    expect(server.received.map((request) => request.path)).toEqual(['/api/tags']);
  });

  it('reports an Ollama server that does not answer as unreachable, without throwing', async () => {
    const profile = await detectMachineProfile({ ollamaHost: await deadUrl(), env: {} });
    expect(profile.ollama.reachable).toBe(false);
    expect(profile.ollama.models).toEqual([]);
    expect(profile.ollama.error).toBeTruthy();
    expect(profile.keysPresent).toEqual([]);
  });

  it('gives up on a server that answers too slowly', async () => {
    server = await startFakeOllama();
    server.delayMs = 1000;
    const profile = await detectMachineProfile({ ollamaHost: server.url, env: {}, timeoutMs: 100 });
    expect(profile.ollama.reachable).toBe(false);
    expect(profile.ollama.error).toBe('no answer in time');
  });
});
