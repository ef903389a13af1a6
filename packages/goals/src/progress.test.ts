import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Goal } from './goal-schema';
import { metricProgress, rollUpProgress } from './progress';

describe('metricProgress', () => {
  it('measures from the baseline towards the target, clamped to 0–1', () => {
    expect(metricProgress({ name: 'subs', target: 1000, current: 250 })).toBe(0.25);
    expect(metricProgress({ name: 'subs', target: 1000, current: 1200 })).toBe(1);
    expect(metricProgress({ name: 'churn', baseline: 10, target: 2, current: 6 })).toBe(0.5);
    expect(metricProgress({ name: 'churn', baseline: 10, target: 2, current: 12 })).toBe(0);
    expect(metricProgress({ name: 'subs', target: 1000 })).toBeUndefined();
    expect(metricProgress({ name: 'flat', target: 0, current: 3 })).toBeUndefined();
  });

  it('always lies between 0 and 1', () => {
    const value = fc.double({ min: -1e6, max: 1e6, noNaN: true });
    fc.assert(
      fc.property(value, value, value, (baseline, target, current) => {
        const progress = metricProgress({ name: 'm', baseline, target, current });
        if (progress !== undefined) {
          expect(progress).toBeGreaterThanOrEqual(0);
          expect(progress).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});

describe('rollUpProgress', () => {
  const tree: Goal[] = [
    {
      id: 'g_subs',
      statement: '1,000 free subscribers by 2026-08-01',
      sub_goals: [
        {
          id: 'g_traffic',
          statement: '5K weekly visitors',
          metrics: [{ name: 'visitors', target: 5000, current: 2500 }],
        },
        { id: 'g_referral', statement: 'Referrals', status: 'achieved' },
        {
          id: 'g_podcast',
          statement: 'Podcast',
          status: 'abandoned',
          metrics: [{ name: 'episodes', target: 10, current: 0 }],
        },
        { id: 'g_unmeasured', statement: 'Something vague', metrics: ['vibes'] },
      ],
    },
    {
      id: 'g_quality',
      statement: 'Maintain >40% open rate',
      metrics: [
        { name: 'open_rate', target: 0.4, current: 0.3 },
        { name: 'clicks', target: 100, current: 50 },
      ],
      sub_goals: [{ id: 'g_ignored', statement: 'x', status: 'achieved' }],
    },
  ];

  it('averages measured children, leaving out abandoned and unmeasured ones', () => {
    const progress = rollUpProgress(tree);
    expect(progress.get('g_traffic')).toEqual({
      id: 'g_traffic',
      progress: 0.5,
      source: 'metrics',
    });
    expect(progress.get('g_referral')).toEqual({ id: 'g_referral', progress: 1, source: 'status' });
    expect(progress.get('g_unmeasured')).toEqual({
      id: 'g_unmeasured',
      progress: undefined,
      source: 'none',
    });
    expect(progress.get('g_subs')).toEqual({ id: 'g_subs', progress: 0.75, source: 'sub_goals' });
  });

  it("lets a goal's own metrics decide over its sub-goals", () => {
    const quality = rollUpProgress(tree).get('g_quality')!;
    expect(quality.source).toBe('metrics');
    expect(quality.progress).toBeCloseTo(0.625, 10);
  });
});
