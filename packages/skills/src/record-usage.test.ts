import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createId, createManualClock, ValidationError } from '@karnel/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOutcomes, recordSkillUsage, type SkillOutcome } from './record-usage';

const clock = createManualClock('2026-05-01T00:00:00Z');

const outcomesArbitrary = fc
  .array(fc.record({ success: fc.boolean(), at: fc.integer({ min: 0, max: 1_000_000 }) }), {
    maxLength: 40,
  })
  .map((items) =>
    items.map(
      (item, index): SkillOutcome => ({
        skill: 'any',
        success: item.success,
        id: createId('out', Date.parse('2026-01-01T00:00:00Z') + index * 1000),
        at: new Date(Date.parse('2026-01-01T00:00:00Z') + item.at).toISOString(),
      }),
    ),
  );

describe('applyOutcomes', () => {
  it('counts every outcome once and keeps the rate equal to successes over invocations', () => {
    fc.assert(
      fc.property(outcomesArbitrary, (outcomes) => {
        const { usage, counted } = applyOutcomes(undefined, undefined, outcomes, { clock });
        const successes = outcomes.filter((outcome) => outcome.success).length;
        expect(counted).toBe(outcomes.length);
        expect(usage.total_invocations).toBe(outcomes.length);
        expect(usage.successful_invocations).toBe(successes);
        if (outcomes.length > 0)
          expect(Math.abs(usage.success_rate! - successes / outcomes.length)).toBeLessThanOrEqual(
            0.00005,
          );
      }),
    );
  });

  it('gives the same result in one batch or in two, and ignores a replay', () => {
    fc.assert(
      fc.property(outcomesArbitrary, fc.nat(), (outcomes, cut) => {
        const split = outcomes.length === 0 ? 0 : cut % (outcomes.length + 1);
        const once = applyOutcomes(undefined, undefined, outcomes, { clock });
        const first = applyOutcomes(undefined, undefined, outcomes.slice(0, split), { clock });
        const twice = applyOutcomes(first.usage, first.attribution, outcomes.slice(split), {
          clock,
        });
        expect(twice.usage).toEqual(once.usage);
        const replay = applyOutcomes(once.usage, once.attribution, outcomes, { clock });
        expect(replay.usage).toEqual(once.usage);
        expect(replay.skipped).toBe(outcomes.length);
      }),
    );
  });

  it('records successful outcomes with a ledger reference once', () => {
    const { attribution } = applyOutcomes(
      undefined,
      { contributed_to_outcomes: ['ledger/run_01'] },
      [
        { skill: 'x', success: true, ledgerRef: 'ledger/run_01' },
        { skill: 'x', success: true, ledgerRef: 'ledger/run_02' },
        { skill: 'x', success: false, ledgerRef: 'ledger/run_03' },
      ],
    );
    expect(attribution.contributed_to_outcomes).toEqual(['ledger/run_01', 'ledger/run_02']);
  });
});

describe('recordSkillUsage', () => {
  it('refuses to overwrite a karnel.yaml that is not valid YAML, or whose usage is invalid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'karnel-'));
    await writeFile(
      join(dir, 'karnel.yaml'),
      'karnel_skill_version: "0.2"\nusage: {total_invocations: [\n',
    );
    const error = await recordSkillUsage(dir, [{ skill: 'x', success: true }]).catch(
      (caught: unknown) => caught,
    );
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).diagnostics[0]?.code).toMatch(/^yaml\//);
    await writeFile(
      join(dir, 'karnel.yaml'),
      'karnel_skill_version: "0.2"\nusage:\n  total_invocations: many\n',
    );
    const invalid = await recordSkillUsage(dir, [{ skill: 'x', success: true }]).catch(
      (caught: unknown) => caught,
    );
    expect(ValidationError.isInstance(invalid)).toBe(true);
    expect(await readFile(join(dir, 'karnel.yaml'), 'utf8')).toBe(
      'karnel_skill_version: "0.2"\nusage:\n  total_invocations: many\n',
    );
  });
});
