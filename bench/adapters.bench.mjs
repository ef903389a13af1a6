// Overhead of the foreign-member adapters, next to the bare alternative measured in the same
// run: an http invocation through createHttpAdapter (signing, idempotency key, zod validation,
// ledger records) next to a bare fetch of the same loopback server; and the subprocess adapter
// (the member's script in the skill sandbox) next to a bare spawn of the same script. Median and
// 90th percentile of wall-clock milliseconds per invocation, on this machine. Last, the Hermes
// command-line transport (a stand-in `hermes` that answers at once) next to a bare spawn of it.
// Imported from the built package by path: bench/package.json does not list @karnel/adapters.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessage } from '@karnel/coordination';
import { createId } from '@karnel/core';
import {
  createHermesAdapter,
  createHttpAdapter,
  createSubprocessAdapter,
  hermesCliArguments,
  renderHermesInput,
} from '../packages/adapters/dist/index.js';
import { createMemoryLedger } from '../packages/adapters/dist/testing.js';

const OUTCOME = JSON.stringify({ status: 'completed', summary: 'done' });
const FAKE_HERMES = `#!/usr/bin/env node
process.stdout.write(process.argv[2] === '--version' ? 'fake\\n' : 'done\\n\\nsession_id: s1\\n');
`;
const SCRIPT = `
import { readFileSync } from 'node:fs';
const message = JSON.parse(readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify({ status: 'completed', summary: 'echoed ' + message.id }));
`;

function stats(samples) {
  const sorted = [...samples].sort((left, right) => left - right);
  const at = (fraction) =>
    sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
  return { median: at(0.5), p90: at(0.9) };
}

/** Interleaved rounds, so the load other processes put on the machine falls on all alike. */
async function measureRounds(rounds, variants) {
  for (const variant of variants) await variant.fn();
  const samples = variants.map(() => []);
  for (let round = 0; round < rounds; round++)
    for (const [index, variant] of variants.entries()) {
      const start = performance.now();
      await variant.fn();
      samples[index].push(performance.now() - start);
    }
  return variants.map((variant, index) => ({ name: variant.name, ...stats(samples[index]) }));
}

function print(title, results) {
  console.log(`\n${title}`);
  for (const { name, median, p90 } of results)
    console.log(`  ${name.padEnd(44)} median ${median.toFixed(2)} ms   p90 ${p90.toFixed(2)} ms`);
  const [adapter, bare] = results;
  console.log(`  overhead (median): ${(adapter.median - bare.median).toFixed(2)} ms`);
}

const message = createMessage({
  type: 'task',
  from: 'lead',
  to: 'member',
  payload: { title: 'benchmark', inputs: { word: 'x' } },
});

// --- http ---------------------------------------------------------------------------------
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(OUTCOME);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/invoke`;
const httpAdapter = createHttpAdapter({
  role: 'member',
  endpoint: url,
  signingKey: 'env:BENCH_KEY',
  environment: { BENCH_KEY: 'bench-key' },
  ledger: createMemoryLedger(),
});
const body = JSON.stringify({ karnel_adapter_version: '1', run_id: createId('run'), message });
print(
  'http: one invocation over loopback (200 rounds)',
  await measureRounds(200, [
    {
      name: 'createHttpAdapter().invoke',
      fn: () => httpAdapter.invoke(message, { runId: createId('run') }),
    },
    {
      name: 'bare fetch + JSON.parse',
      fn: async () => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        JSON.parse(await response.text());
      },
    },
  ]),
);
server.close();

// --- subprocess ---------------------------------------------------------------------------
const groupDir = await mkdtemp(join(tmpdir(), 'karnel-bench-adapters-'));
await mkdir(join(groupDir, 'tools'));
await writeFile(join(groupDir, 'tools', 'echo.mjs'), SCRIPT);
const subprocessAdapter = createSubprocessAdapter({
  role: 'member',
  command: 'node ./tools/echo.mjs',
  groupDir,
  ledger: createMemoryLedger(),
});
const input = JSON.stringify(message);
print(
  'subprocess: one invocation of the same script (20 rounds)',
  await measureRounds(20, [
    {
      name: 'createSubprocessAdapter().invoke (sandbox)',
      fn: async () => {
        const outcome = await subprocessAdapter.invoke(message, { runId: createId('run') });
        if (outcome.status !== 'completed') throw new Error(outcome.summary);
      },
    },
    {
      name: 'bare spawn node script (no sandbox)',
      fn: () =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, [join(groupDir, 'tools', 'echo.mjs')], {
            stdio: ['pipe', 'pipe', 'inherit'],
          });
          let output = '';
          child.stdout.on('data', (chunk) => {
            output += chunk;
          });
          child.on('error', reject);
          child.on('close', () => resolve(JSON.parse(output)));
          child.stdin.end(input);
        }),
    },
  ]),
);
await rm(groupDir, { recursive: true, force: true });

// --- hermes command line ------------------------------------------------------------------
const hermesDir = await mkdtemp(join(tmpdir(), 'karnel-bench-hermes-'));
const hermesPath = join(hermesDir, 'hermes');
await writeFile(hermesPath, FAKE_HERMES, { mode: 0o755 });
const hermesAdapter = createHermesAdapter({
  role: 'member',
  cli: { command: hermesPath },
  ledger: createMemoryLedger(),
});
const hermesArgs = hermesCliArguments(renderHermesInput(message), 's1');
print(
  'hermes command line: one invocation of the same executable (20 rounds)',
  await measureRounds(20, [
    {
      name: 'createHermesAdapter({ cli }).invoke',
      fn: async () => {
        const outcome = await hermesAdapter.invoke(message, { runId: createId('run') });
        if (outcome.status !== 'completed') throw new Error(outcome.summary);
      },
    },
    {
      name: 'bare spawn of the same hermes',
      fn: () =>
        new Promise((resolve, reject) => {
          const child = spawn(hermesPath, hermesArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
          let output = '';
          child.stdout.on('data', (chunk) => {
            output += chunk;
          });
          child.on('error', reject);
          child.on('close', () => resolve(output));
        }),
    },
  ]),
);
await rm(hermesDir, { recursive: true, force: true });
