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
const count = 5_000;
const rounds = 5;
const buffer = Buffer.alloc(4096);

/** Microseconds per call, one round. */
async function round(call) {
  const started = process.hrtime.bigint();
  for (let index = 0; index < count; index++) await call();
  return Number(process.hrtime.bigint() - started) / 1000 / count;
}

/**
 * The median of `rounds` rounds of each call, the rounds interleaved so that the load of a
 * shared machine falls on both alike; prints one line per call.
 */
async function compare(entries) {
  for (const [, call] of entries) for (let index = 0; index < 500; index++) await call(); // warm up
  const times = entries.map(() => []);
  for (let index = 0; index < rounds; index++)
    for (const [position, [, call]] of entries.entries()) times[position].push(await round(call));
  return entries.map(([label], position) => {
    const sorted = times[position].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(
      `${label.padEnd(52)} ${median.toFixed(1).padStart(7)} µs/read (median of ${rounds})`,
    );
    return median;
  });
}

try {
  const [inside, plain, insideSync, plainSync] = await compare([
    ['readFileInside (async, confined)', () => readFileInside(root, file)],
    ['baseline: fs.promises.readFile', () => readFile(file)],
    [
      'openInsideSync + readSync + closeSync (confined)',
      () => {
        const fd = openInsideSync(root, file);
        readSync(fd, buffer, 0, buffer.length, 0);
        closeSync(fd);
      },
    ],
    [
      'baseline: openSync + readSync + closeSync',
      () => {
        const fd = openSync(file, 'r');
        readSync(fd, buffer, 0, buffer.length, 0);
        closeSync(fd);
      },
    ],
  ]);
  const signed = (micros) => `${micros >= 0 ? '+' : ''}${micros.toFixed(1)} µs`;
  console.log(
    `confined - plain, per read: async ${signed(inside - plain)}, sync ${signed(insideSync - plainSync)}`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
