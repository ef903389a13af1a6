// What confining a read to the group costs: @karnel/core's readFileInside / openInsideSync
// (O_NOFOLLOW open, then realpath of the folder and lstat of the entry checked against the
// opened descriptor) next to a plain readFile / openSync of the same small file, same run.
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openInsideSync, readFileInside } from '@karnel/core';

const root = mkdtempSync(join(tmpdir(), 'karnel-bench-inside-'));
const folder = join(root, 'agents', 'researcher', 'memory');
mkdirSync(folder, { recursive: true });
const file = join(folder, 'strategic.yaml');
writeFileSync(file, 'hypotheses: []\n'.repeat(64));
const count = 20_000;
const buffer = Buffer.alloc(4096);

async function perCall(label, call) {
  for (let index = 0; index < 500; index++) await call(); // warm up
  const started = process.hrtime.bigint();
  for (let index = 0; index < count; index++) await call();
  const micros = Number(process.hrtime.bigint() - started) / 1000 / count;
  console.log(`${label.padEnd(52)} ${micros.toFixed(1).padStart(7)} µs/read`);
  return micros;
}

try {
  const inside = await perCall('readFileInside (async, confined)', () =>
    readFileInside(root, file),
  );
  const plain = await perCall('baseline: fs.promises.readFile', () => readFile(file));
  const insideSync = await perCall('openInsideSync + readSync + closeSync (confined)', () => {
    const fd = openInsideSync(root, file);
    readSync(fd, buffer, 0, buffer.length, 0);
    closeSync(fd);
  });
  const plainSync = await perCall('baseline: openSync + readSync + closeSync', () => {
    const fd = openSync(file, 'r');
    readSync(fd, buffer, 0, buffer.length, 0);
    closeSync(fd);
  });
  const signed = (micros) => `${micros >= 0 ? '+' : ''}${micros.toFixed(1)} µs`;
  console.log(
    `confined - plain, per read: async ${signed(inside - plain)}, sync ${signed(insideSync - plainSync)}`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
