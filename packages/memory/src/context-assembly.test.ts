import { join } from 'node:path';
import { createManualClock } from '@karnel/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { assembleContext, estimateTokensByCharacters } from './context-assembly';
import { createFileMemory } from './file-memory';
import { temporaryDirectories } from './testing/temporary-directory';

describe('assembleContext', () => {
  const directories = temporaryDirectories();
  afterEach(() => directories.cleanup());

  const populated = async () => {
    const clock = createManualClock('2026-05-01T09:00:00Z');
    const store = createFileMemory({ dir: join(await directories.create(), 'memory'), clock });
    await store.updateStrategic([
      {
        type: 'add-hypothesis',
        id: 'hyp_low',
        statement: 'Longer issues lose readers',
        confidence: 0.3,
      },
      {
        type: 'add-hypothesis',
        id: 'hyp_high',
        statement: 'Specific subject lines raise open rates',
        confidence: 0.7,
        evidence_for: ['ledger/run_03'],
      },
      { type: 'add-hypothesis', id: 'hyp_old', statement: 'Send time matters', confidence: 0.9 },
      { type: 'retire-hypothesis', hypothesis: 'hyp_old' },
      { type: 'add-prior', prior: 'Concrete code beats pure analysis' },
      { type: 'update-self-model', field: 'weaknesses_observed', add: ['headline writing'] },
    ]);
    const [subject, gpu] = await store.upsertSemantic([
      {
        title: 'Subject lines',
        text: 'Numbers in subject lines raised open rates by a fifth',
        sources: ['ledger/runs/run_03'],
      },
      {
        title: 'GPU prices',
        text: 'Spot GPU prices fell by a third',
        sources: ['https://example.com/gpu'],
      },
    ]);
    for (const text of ['Drafted issue 12', 'Critic rejected the headline', 'Published issue 12']) {
      clock.advance(3_600_000);
      await store.appendEpisode({ kind: 'note', text });
    }
    return { store, subject: subject!, gpu: gpu! };
  };

  it('puts strategic memory first, then the relevant semantic items, then recent episodes, each with a reason', async () => {
    const { store, subject } = await populated();
    const context = await assembleContext({
      store,
      task: 'write a subject line for issue 13',
      budgetTokens: 1000,
    });
    expect(context.items.map((item) => `${item.tier}:${item.ref}`)).toEqual([
      'strategic:hyp_high',
      'strategic:hyp_low',
      'strategic:prior',
      'strategic:self_model',
      `semantic:${subject.id}`,
      expect.stringMatching(/^episodic:epi_/),
      expect.stringMatching(/^episodic:epi_/),
      expect.stringMatching(/^episodic:epi_/),
    ]);
    expect(context.items[0]!.reason).toBe(
      'active hypothesis (confidence 0.7, last reviewed 2026-05-01)',
    );
    expect(context.items[4]!.reason).toMatch(
      /^semantic match #1 for the task \(full-text search, score /,
    );
    expect(context.items[4]!.text).toContain('[sources: ledger/runs/run_03]');
    expect(context.items[5]!.text).toContain('Published issue 12');
    expect(context.items[5]!.reason).toBe('the most recent episode');
    expect(context.items[6]!.reason).toBe('recent episode #2 (1 h before the most recent)');
    expect(context.text.split('\n')).toHaveLength(8);
    expect(context.text).not.toContain('Send time matters');
    expect(context.searchMode).toBe('full-text');
  });

  it('leaves out what does not fit, saying so, and passes unused budget on', async () => {
    const { store } = await populated();
    const context = await assembleContext({
      store,
      task: 'subject line',
      budgetTokens: 200,
      shares: { strategic: 0.2, semantic: 0.1 },
    });
    expect(context.usedTokens).toBeLessThanOrEqual(200);
    const chosen = context.items.map((item) => item.ref);
    expect(chosen).toContain('hyp_high');
    expect(chosen).not.toContain('hyp_low');
    const left = context.omitted.find((item) => item.ref === 'hyp_low');
    expect(left?.reason).toBe(
      'active hypothesis (confidence 0.3, last reviewed 2026-05-01); left out: it did not fit in the remaining budget',
    );
    // What the strategic and semantic tiers did not use goes to the episodes: all three fit.
    expect(context.items.filter((item) => item.tier === 'episodic')).toHaveLength(3);
    const none = await assembleContext({ store, task: 'subject line', budgetTokens: 0 });
    expect(none.items).toEqual([]);
    expect(none.text).toBe('');
  });

  it('never exceeds the budget, and accounts for every token (property)', async () => {
    const { store } = await populated();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 400 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(
          estimateTokensByCharacters,
          (text: string) => text.split(/\s+/).length,
          (text: string) => text.length,
        ),
        async (budgetTokens, strategic, semantic, estimateTokens) => {
          const context = await assembleContext({
            store,
            task: 'subject lines and GPU prices',
            budgetTokens,
            shares: { strategic, semantic },
            estimateTokens,
          });
          expect(context.usedTokens).toBeLessThanOrEqual(budgetTokens);
          expect(context.items.reduce((sum, item) => sum + item.tokens, 0)).toBe(
            context.usedTokens,
          );
          for (const item of context.items) expect(item.tokens).toBe(estimateTokens(item.text));
          expect(context.items.length + context.omitted.length).toBe(9);
        },
      ),
      { numRuns: 60 },
    );
  });
});
