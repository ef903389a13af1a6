// Why @karnel/core hashes with node:crypto: SHA-256 throughput of the native hash next to the
// pure-JavaScript @noble/hashes implementation, and the cost of RFC 8785 canonical JSON.
import { createHash } from 'node:crypto';
import { hashJson, sha256 } from '@karnel/core';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

const megabytes = 64;
const data = new Uint8Array(megabytes * 1024 * 1024);
for (let index = 0; index < data.length; index++) data[index] = (index * 2654435761) >>> 24;

function rate(label, run) {
  run(); // warm up
  const started = process.hrtime.bigint();
  run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${label.padEnd(44)} ${(megabytes / seconds).toFixed(0).padStart(6)} MB/s`);
  return megabytes / seconds;
}

const core = rate('@karnel/core sha256 (node:crypto)', () => sha256(data));
const raw = rate('baseline: node:crypto createHash directly', () =>
  createHash('sha256').update(data).digest(),
);
const noble = rate('alternative: @noble/hashes sha256 (pure JS)', () => nobleSha256(data));
console.log(
  `core / raw node:crypto: ${(core / raw).toFixed(2)}x; node:crypto / noble: ${(raw / noble).toFixed(1)}x`,
);

const record = {
  type: 'approval.requested',
  time: '2026-05-03T10:00:00Z',
  body: {
    action: { tool: 'fs.delete', path: './drafts/old.md' },
    amount: '25.00',
    actor: 'agt_01HZX3K0V8Q5T2N7R4M6W9YB1C',
  },
};
const count = 200_000;
let started = process.hrtime.bigint();
for (let index = 0; index < count; index++) hashJson(record);
let seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(
  `${'hashJson (RFC 8785 + sha256) per record'.padEnd(44)} ${(count / seconds / 1000).toFixed(0).padStart(6)} k/s`,
);
started = process.hrtime.bigint();
for (let index = 0; index < count; index++)
  createHash('sha256').update(JSON.stringify(record)).digest('hex');
seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(
  `${'baseline: JSON.stringify + sha256'.padEnd(44)} ${(count / seconds / 1000).toFixed(0).padStart(6)} k/s`,
);
