import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COST_DECIMALS, type CommittedEntry, parseCost } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { createTreasury } from '@karnel/treasury';
import { generateText, streamText } from 'ai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deadUrl, type FakeServer, startFakeOllama, startFakeOpenAi } from '../test/fake-providers';
import { BudgetExceededError, TierUnavailableError } from './errors';
import { detectMachineProfile } from './machine-profile';
import { openTierModel } from './open-tier-model';
import { loadTiersConfig } from './tiers-config';

const env = { OPENAI_API_KEY: 'sk-test-not-a-real-key' };
let ollama: FakeServer;
let openai: FakeServer;
let root: string;

beforeEach(async () => {
  ollama = await startFakeOllama(['qwen3:8b']);
  openai = await startFakeOpenAi();
  root = await mkdtemp(join(tmpdir(), 'karnel-tiers-'));
});
afterEach(async () => {
  await ollama.close();
  await openai.close();
});

async function setup(options: { budget?: string; ollamaUrl?: string; timeoutMs?: number } = {}) {
  const ollamaUrl = options.ollamaUrl ?? ollama.url;
  await writeFile(
    join(root, 'machine.yaml'),
    `providers:
  ollama:
    base_url: ${ollamaUrl}
    timeout_ms: ${options.timeoutMs ?? 5000}
  openai:
    base_url: ${openai.url}/v1
    local: false # the fake cloud listens on loopback; it stands for a remote API
`,
  );
  await writeFile(
    join(root, 'tiers.yaml'),
    `tiers:
  fast-general:
    - model: openai:gpt-fake
      price: { input: "150", output: "600", cached_input: "75" }
    - model: ollama:qwen3:8b
  local-private:
    - model: ollama:qwen3:8b
    - model: openai:gpt-fake
      price: { input: "0.15", output: "0.60" }
  frontier-reasoning:
    - model: openai:gpt-fake
      price: { input: "5", output: "15" }
`,
  );
  const loaded = await loadTiersConfig({
    groupDir: root,
    machineFile: join(root, 'machine.yaml'),
    env,
  });
  expect(loaded.diagnostics).toEqual([]);
  const profile = await detectMachineProfile({ ollamaHost: ollamaUrl, env });
  const treasuryDir = join(root, 'treasury');
  await mkdir(treasuryDir);
  await writeFile(
    join(treasuryDir, 'balances.yaml'),
    `financial:\n  currency: USD\n  time_zone: UTC\n  budget_weekly: ${options.budget ?? '50.00'}\n  spent_this_week: 0.00\n  revenue_mtd: 0.00\n`,
  );
  await writeFile(
    join(treasuryDir, 'allocation_rules.yaml'),
    'weekly_allocation:\n  member_inference: 100%\n',
  );
  const ledger = await openLedger(join(root, 'ledger'));
  const treasury = createTreasury({ dir: treasuryDir, ledger });
  const open = (tier: string) =>
    openTierModel({ tier, config: loaded.config!, profile, env, treasury, ledger });
  return { open, ledger, treasury };
}

async function modelCalls(ledger: { entries(): AsyncIterable<CommittedEntry> }) {
  const calls: CommittedEntry[] = [];
  for await (const entry of ledger.entries()) if (entry.type === 'model.call') calls.push(entry);
  return calls;
}

const prompt = 'Say hello.';

describe('tier model over loopback providers', () => {
  it('tries local first, falls back on a 500, and writes each attempt to the ledger', async () => {
    const { open, ledger } = await setup();
    ollama.script.push({ kind: 'status', status: 500 });
    const tierModel = await open('fast-general');
    const result = await generateText({ model: tierModel, prompt, maxRetries: 0 });
    expect(result.text).toBe('hello from the fake');
    expect(ollama.chats()).toHaveLength(1);
    expect(openai.chats()).toHaveLength(1);
    expect((openai.chats()[0]!.body as { model: string }).model).toBe('gpt-fake');
    // The local candidate was asked first, though the file lists the cloud one first.
    expect(ollama.chats()[0]!.order).toBeLessThan(openai.chats()[0]!.order);
    const calls = await modelCalls(ledger);
    expect(calls.map((call) => [call.body.provider, call.body.outcome])).toEqual([
      ['ollama', 'error'],
      ['openai', 'ok'],
    ]);
    expect(calls[1]!.body).toMatchObject({
      tier: 'fast-general',
      model: 'gpt-fake',
      input_tokens: 12,
      output_tokens: 5,
    });
    expect(calls[1]!.body.prompt_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(calls[1]!.body.prompt).toBeUndefined();
  });

  it('falls back on 429 and names the retry-after when every candidate is rate limited', async () => {
    const { open } = await setup();
    ollama.script.push({ kind: 'status', status: 429, retryAfter: '7' });
    openai.script.push({ kind: 'status', status: 429, retryAfter: '9' });
    const error = await generateText({
      model: await open('fast-general'),
      prompt,
      maxRetries: 0,
    }).catch((thrown: unknown) => thrown);
    expect(TierUnavailableError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(
      /qwen3:8b: rate limited \(HTTP 429, retry-after 7\)/,
    );
    expect(String((error as Error).message)).toMatch(
      /gpt-fake: rate limited \(HTTP 429, retry-after 9\)/,
    );
    expect(ollama.chats()).toHaveLength(1);
    expect(openai.chats()).toHaveLength(1);
  });

  it('streaming, falls back on an Ollama 429 with retry-after before the first chunk, in order', async () => {
    const { open, ledger } = await setup();
    ollama.script.push({ kind: 'status', status: 429, retryAfter: '30' });
    const result = streamText({ model: await open('fast-general'), prompt, maxRetries: 0 });
    expect(await result.text).toBe('hello from the fake ');
    expect(ollama.chats()).toHaveLength(1);
    expect(openai.chats()).toHaveLength(1);
    expect(ollama.chats()[0]!.order).toBeLessThan(openai.chats()[0]!.order);
    // The order tried is the ledger's order: the local candidate first, then the cloud one.
    const calls = await modelCalls(ledger);
    expect(calls.map((call) => [call.body.provider, call.body.outcome])).toEqual([
      ['ollama', 'error'],
      ['openai', 'ok'],
    ]);
    expect(String(calls[0]!.body.error)).toMatch(/429/);
  });

  it('falls back when the first byte is too slow, not streaming', async () => {
    const { open } = await setup({ timeoutMs: 300 });
    ollama.script.push({ kind: 'slow', delayMs: 3000 });
    const result = await generateText({ model: await open('fast-general'), prompt, maxRetries: 0 });
    expect(result.text).toBe('hello from the fake');
    expect(ollama.chats()).toHaveLength(1);
    expect(openai.chats()).toHaveLength(1);
  });

  it('never falls back on a 400: the request itself is wrong', async () => {
    const { open } = await setup();
    ollama.script.push({ kind: 'status', status: 400 });
    await expect(
      generateText({ model: await open('fast-general'), prompt, maxRetries: 0 }),
    ).rejects.toThrow();
    expect(ollama.chats()).toHaveLength(1);
    expect(openai.chats()).toHaveLength(0);
  });

  it('falls back when the first byte is too slow, streaming', async () => {
    const { open } = await setup({ timeoutMs: 300 });
    ollama.script.push({ kind: 'slow', delayMs: 3000 });
    const result = streamText({ model: await open('fast-general'), prompt, maxRetries: 0 });
    expect(await result.text).toBe('hello from the fake ');
    expect(ollama.chats()).toHaveLength(1);
    expect(openai.chats()).toHaveLength(1);
  });

  it('falls back on a stream that fails before its first chunk, not after', async () => {
    const { open } = await setup();
    ollama.script.push({ kind: 'status', status: 503 });
    const first = streamText({ model: await open('fast-general'), prompt, maxRetries: 0 });
    expect(await first.text).toBe('hello from the fake ');
    expect(openai.chats()).toHaveLength(1);

    ollama.script.push({ kind: 'cut' });
    const errors: unknown[] = [];
    const second = streamText({
      model: await open('fast-general'),
      prompt,
      maxRetries: 0,
      onError: ({ error }) => {
        errors.push(error);
      },
    });
    const text = await Promise.resolve(second.text).catch(() => 'failed');
    expect(text === 'failed' || errors.length > 0).toBe(true);
    expect(ollama.chats()).toHaveLength(2);
    expect(openai.chats()).toHaveLength(1);
  });

  it('local-private with the local server down: an error, and zero requests at the cloud', async () => {
    const { open } = await setup({ ollamaUrl: await deadUrl() });
    const model = await open('local-private');
    const error = await generateText({ model, prompt, maxRetries: 0 }).catch(
      (thrown: unknown) => thrown,
    );
    expect(TierUnavailableError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/local-private never resolves/);
    expect(openai.received).toHaveLength(0);
  });

  it('a budget denial sends nothing anywhere', async () => {
    const { open, treasury } = await setup({ budget: '1.00' });
    const error = await generateText({
      model: await open('frontier-reasoning'),
      prompt,
      maxOutputTokens: 100_000,
      maxRetries: 0,
    }).catch((thrown: unknown) => thrown);
    expect(BudgetExceededError.isInstance(error)).toBe(true);
    expect((error as BudgetExceededError).amount).toBe('1.51 USD');
    expect(openai.received).toHaveLength(0);
    expect(ollama.chats()).toHaveLength(0);
    expect((await treasury.balances()).week.reserved).toBe(0n);
  });

  it('a priced call that fails releases its reservation and is charged nothing', async () => {
    const { open, ledger, treasury } = await setup();
    openai.script.push({ kind: 'status', status: 500 });
    const error = await generateText({
      model: await open('frontier-reasoning'),
      prompt,
      maxRetries: 0,
    }).catch((thrown: unknown) => thrown);
    expect(TierUnavailableError.isInstance(error)).toBe(true);
    const balances = await treasury.balances();
    expect(balances.week.reserved).toBe(0n);
    expect(balances.totals.spent).toBe(0n);
    expect((await modelCalls(ledger)).map((call) => [call.body.outcome, call.body.cost])).toEqual([
      ['error', '0'],
    ]);
  });

  it("the ledger's costs add up to the treasury's balance change, to the minor unit", async () => {
    const { open, ledger, treasury } = await setup();
    const before = (await treasury.balances()).totals.spent;
    const model = await open('fast-general');
    await ollama.close(); // local down: every call goes to the priced cloud candidate
    for (let index = 0; index < 3; index++) {
      openai.script.push({ kind: 'ok', inputTokens: 12, cachedTokens: 4, outputTokens: 5 });
      await generateText({ model, prompt, maxRetries: 0 });
    }
    openai.script.push({ kind: 'ok', inputTokens: 12, cachedTokens: 4, outputTokens: 5 });
    await streamText({ model, prompt, maxRetries: 0 }).text;
    const balances = await treasury.balances();
    const change = balances.totals.spent - before;
    const costs = (await modelCalls(ledger))
      .filter((call) => call.body.provider === 'openai')
      .map((call) => {
        const parsed = parseCost(call.body.cost);
        if (!parsed.ok) throw new Error(parsed.message);
        return parsed.value;
      });
    expect(costs).toHaveLength(4);
    // each call: (8 × 150 + 4 × 75 + 5 × 600) / 1e6 = 0.0045 USD
    expect(costs.every((cost) => cost === 4_500_000_000n)).toBe(true);
    const exact = costs.reduce((sum, cost) => sum + cost, 0n);
    const step = 10n ** BigInt(COST_DECIMALS - 2);
    expect(change).toBe((exact + step - 1n) / step); // 0.018 USD → 2 cents
    expect(change).toBe(2n);

    // A stream cut after its first chunk reports no usage: both sides charge its worst case.
    openai.script.push({ kind: 'cut' });
    const cut = streamText({ model, prompt, maxRetries: 0, maxOutputTokens: 50 });
    await Promise.resolve(cut.text).catch(() => undefined);
    const calls = await modelCalls(ledger);
    const last = calls.at(-1)!;
    expect(last.body).toMatchObject({ outcome: 'error', cost_basis: 'worst-case' });
    const all = calls.map((call) => (parseCost(call.body.cost) as { value: bigint }).value);
    const total = all.reduce((sum, cost) => sum + cost, 0n);
    expect((await treasury.balances()).totals.spent - before).toBe((total + step - 1n) / step);
    expect(balances.week.reserved).toBe(0n);
  });

  it('with both middlewares, a settle that fails still fails the call, after its entry was written', async () => {
    const { ledger, treasury } = await setup();
    await ollama.close();
    const loaded = await loadTiersConfig({
      groupDir: root,
      machineFile: join(root, 'machine.yaml'),
      env,
    });
    const profile = await detectMachineProfile({ ollamaHost: ollama.url, env });
    // The treasury, with a commit that fails as an fsync error would make it.
    const failing = {
      config: () => treasury.config(),
      reserve: (request: Parameters<typeof treasury.reserve>[0]) => treasury.reserve(request),
      release: (...args: Parameters<typeof treasury.release>) => treasury.release(...args),
      commit: async () => {
        throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      },
    };
    const model = await openTierModel({
      tier: 'fast-general',
      config: loaded.config!,
      profile,
      env,
      treasury: failing,
      ledger,
    });
    openai.script.push({ kind: 'ok', inputTokens: 12, cachedTokens: 4, outputTokens: 5 });
    await expect(generateText({ model, prompt, maxRetries: 0 })).rejects.toThrow(/EIO/);
    openai.script.push({ kind: 'ok', inputTokens: 12, cachedTokens: 4, outputTokens: 5 });
    const streamed = streamText({ model, prompt, maxRetries: 0, onError: () => undefined });
    await expect(Promise.resolve(streamed.text)).rejects.toThrow(/EIO/);
    // Both calls happened and cost money: their entries say so, whatever the treasury did.
    expect(
      (await modelCalls(ledger)).map((call) => [call.body.mode, call.body.outcome, call.body.cost]),
    ).toEqual([
      ['generate', 'ok', '0.0045'],
      ['stream', 'ok', '0.0045'],
    ]);
    // The reservations were never settled: they hold their money until they expire.
    expect((await treasury.balances()).week.reserved).toBeGreaterThan(0n);
  });

  it('a stream cancelled by its reader is settled and written before the cancel resolves', async () => {
    const { open, ledger, treasury } = await setup();
    const model = await open('fast-general');
    await ollama.close();
    openai.script.push({ kind: 'ok', inputTokens: 12, cachedTokens: 4, outputTokens: 5 });
    const { stream } = await model.doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: prompt }] }],
      maxOutputTokens: 16,
    });
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel();
    const balances = await treasury.balances();
    expect(balances.week.reserved).toBe(0n);
    // One entry per attempt: the local server that is down, then the cancelled stream.
    expect(
      (await modelCalls(ledger)).map((call) => [
        call.body.provider,
        call.body.mode,
        call.body.outcome,
      ]),
    ).toEqual([
      ['ollama', 'stream', 'error'],
      ['openai', 'stream', 'error'],
    ]);
  });
});
