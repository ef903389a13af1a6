import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendFileDurable, openAppendLog } from './durable-append';

describe('durable appends', () => {
  it('appends in order and creates missing parents', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    const path = join(dir, 'memory', 'episodic.jsonl');
    await appendFileDurable(path, '{"n":1}\n');
    const log = await openAppendLog(path);
    await log.append('{"n":2}\n');
    await log.appendUnsynced(new TextEncoder().encode('{"n":3}\n'));
    await log.sync();
    await log.close();
    expect(await readFile(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  it('keeps every line whole when many appenders share one file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    const path = join(dir, 'shared.jsonl');
    const logs = await Promise.all(Array.from({ length: 4 }, () => openAppendLog(path)));
    await Promise.all(
      logs.map(async (log, writer) => {
        for (let index = 0; index < 50; index++)
          await log.append(`${JSON.stringify({ writer, index })}\n`);
      }),
    );
    await Promise.all(logs.map((log) => log.close()));
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(200);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
