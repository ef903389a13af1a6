import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres, uniqueGroup } from '../test/postgres-server';
import { isTransient, openRunChannel } from './run-channel';

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

it('carries messages in order, answers them in place, and prunes finished runs', async () => {
  const group = uniqueGroup('channel');
  const executor = await openRunChannel(server.url, group);
  const coordinator = await openRunChannel(server.url, group);
  const other = await openRunChannel(server.url, uniqueGroup('other'));
  try {
    const base = { runId: 'run_1', wakeId: 'w1', attempt: 0 };
    const start = await executor.send({ ...base, kind: 'start', seq: null, body: { member: 'a' } });
    await executor.send({ ...base, kind: 'step', seq: 0, body: { cost: '0.01' } });
    const finish = await executor.send({
      ...base,
      kind: 'finish',
      seq: null,
      body: { status: 'succeeded' },
    });
    await other.send({ ...base, kind: 'start', seq: null, body: {} });
    const pending = await coordinator.pending(10);
    expect(pending.map((message) => [message.kind, message.seq])).toEqual([
      ['start', null],
      ['step', 0],
      ['finish', null],
    ]);
    await coordinator.answer(start, { decision: 'run', resumeFrom: 0 });
    expect(await executor.reply(start)).toEqual({ decision: 'run', resumeFrom: 0 });
    expect(await coordinator.fences()).toEqual(new Map([['run_1', 0]]));
    for (const message of pending.slice(1))
      await coordinator.answer(message.id, { accepted: true });
    expect(await executor.reply(finish)).toEqual({ accepted: true });
    expect(await coordinator.pending(10)).toEqual([]);
    expect(await coordinator.prune(0)).toBe(3);
    expect(await coordinator.fences()).toEqual(new Map());
    expect(await other.pending(10)).toHaveLength(1);
  } finally {
    await Promise.all([executor.close(), coordinator.close(), other.close()]);
  }
});

it('tells a restarting server from a bad query', () => {
  const terminated = Object.assign(
    new Error('terminating connection due to administrator command'),
    {
      code: '57P01',
    },
  );
  expect(isTransient(terminated)).toBe(true);
  expect(
    isTransient(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ),
  ).toBe(true);
  expect(
    isTransient(Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' })),
  ).toBe(false);
  expect(isTransient('not an error')).toBe(false);
});
