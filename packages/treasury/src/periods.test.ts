import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localDateOf, periodContaining, startOfLocalDay, WEEKDAYS } from './periods';

const hours = (from: Date, to: Date) => (to.getTime() - from.getTime()) / 3_600_000;

describe('periodContaining', () => {
  it('rolls weeks over at local midnight in the stated time zone', () => {
    const week = periodContaining(new Date('2026-05-06T12:00:00Z'), {
      kind: 'week',
      timeZone: 'Europe/Berlin',
    });
    expect(week.start.toISOString()).toBe('2026-05-03T22:00:00.000Z');
    expect(week.end.toISOString()).toBe('2026-05-10T22:00:00.000Z');
    expect(week.label).toBe('week of 2026-05-04');
    // Sunday 23:30 in Berlin is still the old week; Monday 00:00 is the new one.
    const sunday = periodContaining(new Date('2026-05-10T21:30:00Z'), {
      kind: 'week',
      timeZone: 'Europe/Berlin',
    });
    expect(sunday.startDate).toBe('2026-05-04');
    const monday = periodContaining(new Date('2026-05-10T22:00:00Z'), {
      kind: 'week',
      timeZone: 'Europe/Berlin',
    });
    expect(monday.startDate).toBe('2026-05-11');
  });

  it('makes the week with the spring daylight-saving change 167 hours long, and the autumn one 169', () => {
    const spring = periodContaining(new Date('2026-03-29T12:00:00Z'), {
      kind: 'week',
      timeZone: 'Europe/Berlin',
    });
    expect(spring.start.toISOString()).toBe('2026-03-22T23:00:00.000Z');
    expect(spring.end.toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(hours(spring.start, spring.end)).toBe(167);
    const autumn = periodContaining(new Date('2026-10-25T12:00:00Z'), {
      kind: 'week',
      timeZone: 'Europe/Berlin',
    });
    expect(hours(autumn.start, autumn.end)).toBe(169);
    const newYork = periodContaining(new Date('2026-03-08T12:00:00Z'), {
      kind: 'week',
      timeZone: 'America/New_York',
      weekStartsOn: 'sunday',
    });
    expect(newYork.start.toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(hours(newYork.start, newYork.end)).toBe(167);
  });

  it('starts a day at the first existing instant when daylight saving skips midnight', () => {
    // Sao Paulo jumped from 00:00 to 01:00 on 2018-11-04.
    expect(
      startOfLocalDay({ year: 2018, month: 11, day: 4 }, 'America/Sao_Paulo').toISOString(),
    ).toBe('2018-11-04T03:00:00.000Z');
    expect(
      startOfLocalDay({ year: 2018, month: 11, day: 5 }, 'America/Sao_Paulo').toISOString(),
    ).toBe('2018-11-05T02:00:00.000Z');
  });

  it('uses calendar months', () => {
    const month = periodContaining(new Date('2026-12-31T23:30:00Z'), {
      kind: 'month',
      timeZone: 'Europe/Berlin',
    });
    // 00:30 on 1 January in Berlin.
    expect(month.label).toBe('2027-01');
    const february = periodContaining(new Date('2028-02-15T00:00:00Z'), { kind: 'month' });
    expect(february.start.toISOString()).toBe('2028-02-01T00:00:00.000Z');
    expect(february.end.toISOString()).toBe('2028-03-01T00:00:00.000Z');
  });

  it('contains the instant, starts on the right day at local midnight, and tiles time without gaps', () => {
    const zones = [
      'UTC',
      'Europe/Berlin',
      'America/New_York',
      'America/Sao_Paulo',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
      'Pacific/Apia',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
        fc.constantFrom(...zones),
        fc.constantFrom('week' as const, 'month' as const),
        fc.constantFrom(...WEEKDAYS),
        (time, timeZone, kind, weekStartsOn) => {
          const instant = new Date(time);
          const period = periodContaining(instant, { kind, timeZone, weekStartsOn });
          expect(period.start.getTime()).toBeLessThanOrEqual(time);
          expect(period.end.getTime()).toBeGreaterThan(time);
          const first = localDateOf(period.start, timeZone);
          expect(
            `${first.year}-${String(first.month).padStart(2, '0')}-${String(first.day).padStart(2, '0')}`,
          ).toBe(period.startDate);
          const before = localDateOf(new Date(period.start.getTime() - 1), timeZone);
          expect(before).not.toEqual(first);
          const next = periodContaining(period.end, { kind, timeZone, weekStartsOn });
          expect(next.start.getTime()).toBe(period.end.getTime());
          const previous = periodContaining(new Date(period.start.getTime() - 1), {
            kind,
            timeZone,
            weekStartsOn,
          });
          expect(previous.end.getTime()).toBe(period.start.getTime());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('throws a typed error for an unknown time zone', () => {
    expect(() => periodContaining(new Date(), { kind: 'week', timeZone: 'Mars/Olympus' })).toThrow(
      /timeZone/,
    );
  });
});
