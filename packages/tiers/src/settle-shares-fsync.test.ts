import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = import.meta.dirname;
const build = (path: string) => JSON.stringify(pathToFileURL(join(here, '..', path)).href);

/**
 * Ten calls one at a time through `openTierModel` with a treasury, in a child process where
 * node:fs's fdatasync is counted (it must be wrapped before the packages are imported). The
 * provider is a node:http server in the child answering a fixed chat completion.
 */
const script = (sharedLedger: boolean) => `
  import fs from 'node:fs';
  import { syncBuiltinESMExports } from 'node:module';
  let fsyncs = 0;
  const original = fs.fdatasync;
  fs.fdatasync = (...args) => { fsyncs++; return original(...args); };
  syncBuiltinESMExports();
  const tiers = await import(${build('dist/index.js')});
  const { openLedger } = await import(${build('node_modules/@karnel/ledger/dist/index.js')});
  const { createTreasury } = await import(${build('node_modules/@karnel/treasury/dist/index.js')});
  const { createServer } = await import('node:http');
  const { mkdtemp, mkdir, rm, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const body = JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: 'OK' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 } });
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const root = await mkdtemp(join(tmpdir(), 'karnel-tiers-fsync-'));
  await writeFile(join(root, 'tiers.yaml'), 'providers:\\n  lab:\\n    kind: openai-compatible\\n    base_url: http://127.0.0.1:' + server.address().port + '/v1\\ntiers:\\n  fast-general:\\n    - model: lab:m\\n      price: { input: "0.15", output: "0.60" }\\n');
  const { config } = await tiers.loadTiersConfig({ groupDir: root, machineFile: false });
  const profile = { specificationVersion: 'v1', ramBytes: 8e9, freeRamBytes: 4e9, cpuCount: 2, cpuModel: 'x', gpus: [],
    ollama: { host: 'http://127.0.0.1:1', reachable: false, models: [] }, keysPresent: [] };
  await mkdir(join(root, 'treasury'));
  await writeFile(join(root, 'treasury', 'balances.yaml'), 'financial:\\n  currency: USD\\n  budget_weekly: 100.00\\n');
  const ledger = await openLedger(join(root, 'ledger'), { groupCommit: true });
  const treasury = createTreasury({ dir: join(root, 'treasury'), ...(${sharedLedger} ? { ledger } : {}) });
  const model = await tiers.openTierModel({ tier: 'fast-general', config, profile, env: {}, ledger, treasury });
  const params = { prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], maxOutputTokens: 16 };
  await model.doGenerate(params);
  const before = fsyncs;
  for (let call = 0; call < 10; call++) await model.doGenerate(params);
  const used = fsyncs - before;
  const types = [];
  for await (const entry of ledger.entries()) types.push(entry.type);
  const verified = (await ledger.verify()).ok;
  server.close();
  await ledger.close();
  await rm(root, { recursive: true, force: true });
  console.log(JSON.stringify({ used, calls: types.filter((type) => type === 'model.call').length, verified }));
`;

function run(
  sharedLedger: boolean,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script(sharedLedger)]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('a call whose treasury keeps its records in the same ledger', () => {
  it('costs one fsync: the settle makes the call entry durable too', async () => {
    const shared = await run(true);
    expect(shared.stderr).toBe('');
    expect(shared.code).toBe(0);
    const result = JSON.parse(shared.stdout) as { used: number; calls: number; verified: boolean };
    expect(result).toMatchObject({ calls: 11, verified: true });
    expect(result.used).toBe(10);
  });

  it('with the treasury in its own file, still makes the entry durable with its own fsync', async () => {
    const separate = await run(false);
    expect(separate.stderr).toBe('');
    expect(separate.code).toBe(0);
    const result = JSON.parse(separate.stdout) as {
      used: number;
      calls: number;
      verified: boolean;
    };
    expect(result).toMatchObject({ calls: 11, verified: true });
    // The ledger's fsync for the entry and the records file's for the settle.
    expect(result.used).toBe(20);
  });
});
