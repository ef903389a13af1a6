import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type ManualClock, ValidationError } from '@karnel/core';
import { describe, expect, it } from 'vitest';
import { StrategicWriteDeniedError } from '../errors';
import { type MemoryStoreFactory, useConformanceContext } from './conformance-context';

/** The strategic tier's conformance tests (typed updates, history, group writer rule). */
export function describeStrategicConformance(backend: string, factory: MemoryStoreFactory): void {
  describe(`${backend} conforms to the Memory Interface: strategic tier`, () => {
    const context = useConformanceContext(factory);
    const { openStore, directories } = context;
    let clock: ManualClock;
    const start = () => {
      clock = context.start();
    };

    it('is empty at first, then keeps every revision of typed updates', async () => {
      start();
      const store = await openStore();
      expect(await store.readStrategic()).toEqual({});
      expect(await store.strategicHistory()).toEqual([]);
      const first = await store.updateStrategic(
        [
          {
            type: 'add-hypothesis',
            id: 'hyp_01',
            statement: 'Specific subject lines drive open rate more than send time',
            confidence: 0.6,
            evidence_for: ['ledger/run_03'],
          },
          { type: 'add-prior', prior: 'Concrete code beats pure analysis on engagement' },
          {
            type: 'update-self-model',
            field: 'strengths_observed',
            add: ['technical synthesis'],
          },
        ],
        { reason: 'first review' },
      );
      expect(first.revision).toBe(1);
      expect(first.origin).toBe('update');
      clock.advance(86_400_000);
      const second = await store.updateStrategic([
        {
          type: 'record-evidence',
          hypothesis: 'hyp_01',
          direction: 'against',
          refs: ['ledger/run_05'],
        },
        { type: 'set-confidence', hypothesis: 'hyp_01', confidence: 0.45 },
      ]);
      expect(second.revision).toBe(2);
      expect(await store.readStrategic()).toEqual({
        hypotheses: [
          {
            id: 'hyp_01',
            statement: 'Specific subject lines drive open rate more than send time',
            evidence_for: ['ledger/run_03'],
            evidence_against: ['ledger/run_05'],
            confidence: 0.45,
            last_reviewed: '2026-05-04',
          },
        ],
        priors: ['Concrete code beats pure analysis on engagement'],
        self_model: { strengths_observed: ['technical synthesis'] },
      });
      const history = await store.strategicHistory();
      expect(history.map((revision) => revision.revision)).toEqual([1, 2]);
      expect(history[0]!.state.hypotheses![0]!.confidence).toBe(0.6);
      expect(history[0]!.reason).toBe('first review');
      const text = await readFile(join(store.dir, 'strategic.yaml'), 'utf8');
      expect(text.indexOf('id: hyp_01')).toBeLessThan(text.indexOf('statement:'));
    });

    it('records a hand edit as its own revision before applying the next update', async () => {
      start();
      const store = await openStore();
      await store.updateStrategic([{ type: 'add-prior', prior: 'first prior' }]);
      await writeFile(join(store.dir, 'strategic.yaml'), 'priors:\n  - edited by hand\n');
      expect(await store.readStrategic()).toEqual({ priors: ['edited by hand'] });
      const revision = await store.updateStrategic([{ type: 'add-prior', prior: 'added later' }]);
      expect(revision.revision).toBe(3);
      const history = await store.strategicHistory();
      expect(history.map((entry) => entry.origin)).toEqual(['update', 'observed', 'update']);
      expect(history[1]!.state).toEqual({ priors: ['edited by hand'] });
      expect(await store.readStrategic()).toEqual({ priors: ['edited by hand', 'added later'] });
    });

    it('guards group strategic memory by role, with a clear error, and never guards reading', async () => {
      start();
      const dir = join(await directories.create(), 'memory');
      const researcher = await openStore({ dir, group: true, writer: { role: 'researcher' } });
      const attempt = researcher.updateStrategic([
        { type: 'add-prior', prior: 'researchers know best' },
      ]);
      await expect(attempt).rejects.toSatisfy((error) =>
        StrategicWriteDeniedError.isInstance(error),
      );
      await expect(attempt).rejects.toThrow(
        /role "researcher" is not allowed; the rule is that only "strategist" may write it/,
      );
      const anonymous = await openStore({ dir, group: true });
      await expect(
        anonymous.updateStrategic([{ type: 'add-prior', prior: 'anyone' }]),
      ).rejects.toThrow(/gave no role/);
      const strategist = await openStore({
        dir,
        group: true,
        writer: { role: 'strategist', id: 'agt_01HZX3K0V8Q5T2N7R4M6W9YB1C' },
      });
      const revision = await strategist.updateStrategic([
        { type: 'add-prior', prior: 'reviewed by the strategist' },
      ]);
      expect(revision.writer).toEqual({
        role: 'strategist',
        id: 'agt_01HZX3K0V8Q5T2N7R4M6W9YB1C',
      });
      expect(await researcher.readStrategic()).toEqual({
        priors: ['reviewed by the strategist'],
      });
      const custom = await openStore({
        dir,
        group: true,
        strategicWriters: ['critic'],
        writer: { role: 'strategist' },
      });
      await expect(custom.updateStrategic([{ type: 'add-prior', prior: 'x' }])).rejects.toThrow(
        /only "critic" may write it/,
      );
      const agent = await openStore({ writer: { role: 'researcher' } });
      await expect(
        agent.updateStrategic([{ type: 'add-prior', prior: 'my own memory' }]),
      ).resolves.toMatchObject({ revision: 1 });
    });

    it('rejects an update that does not fit the current state, changing nothing', async () => {
      start();
      const store = await openStore();
      await expect(
        store.updateStrategic([
          { type: 'set-confidence', hypothesis: 'hyp_missing', confidence: 0.2 },
        ]),
      ).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
      await expect(
        store.updateStrategic([
          { type: 'add-prior', prior: 'ok' },
          { type: 'remove-prior', prior: 'absent' },
        ]),
      ).rejects.toThrow(/no such prior/);
      expect(await store.strategicHistory()).toEqual([]);
      expect(await store.readStrategic()).toEqual({});
    });

    it('reports an invalid strategic.yaml with its position', async () => {
      start();
      const store = await openStore();
      await store.updateStrategic([{ type: 'add-prior', prior: 'valid' }]);
      await writeFile(
        join(store.dir, 'strategic.yaml'),
        'hypotheses:\n  - id: hyp_01\n    statement: s\n    confidence: 2\n',
      );
      const error = await store.readStrategic().catch((caught: unknown) => caught);
      expect(ValidationError.isInstance(error)).toBe(true);
      expect((error as ValidationError).diagnostics[0]).toMatchObject({
        line: 4,
        column: 17,
        severity: 'error',
      });
    });

    it('imports another memory history, and refuses one that diverged', async () => {
      start();
      const source = await openStore();
      await source.updateStrategic([{ type: 'add-prior', prior: 'one' }]);
      await source.updateStrategic([{ type: 'add-prior', prior: 'two' }]);
      const target = await openStore();
      expect(await target.importStrategicHistory(await source.strategicHistory())).toBe(2);
      expect(await target.readStrategic()).toEqual(await source.readStrategic());
      expect(await target.importStrategicHistory(await source.strategicHistory())).toBe(0);
      await source.updateStrategic([{ type: 'add-prior', prior: 'three' }]);
      expect(await target.importStrategicHistory(await source.strategicHistory())).toBe(1);
      await target.updateStrategic([{ type: 'add-prior', prior: 'target only' }]);
      await source.updateStrategic([{ type: 'add-prior', prior: 'source only' }]);
      await expect(target.importStrategicHistory(await source.strategicHistory())).rejects.toThrow(
        /diverged/,
      );
    });
  });
}
