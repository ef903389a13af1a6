import { describe, expect, it } from 'vitest';
import { nextCadenceTime, parseCadence } from './cadence';

function parsed(text: string) {
  const result = parseCadence(text);
  if (!result.ok) throw new Error(result.message);
  return result.cadence;
}

describe('parseCadence', () => {
  it('reads every named cadence the spec and the examples use', () => {
    for (const name of [
      'hourly',
      'daily',
      'weekly',
      'monthly',
      'per_publication',
      'per_pull_request',
      'on_demand',
    ]) {
      expect(parseCadence(name).ok, name).toBe(true);
    }
    expect(parsed('daily').parts).toEqual([
      { kind: 'interval', name: 'daily', intervalMs: 86_400_000 },
    ]);
    expect(parsed('per_publication').parts).toEqual([{ kind: 'event', name: 'per_publication' }]);
  });

  it('reads cron expressions and joined parts', () => {
    expect(parsed('0 8 * * 1').parts).toEqual([{ kind: 'cron', expression: '0 8 * * 1' }]);
    expect(parsed('@daily').parts).toEqual([{ kind: 'cron', expression: '@daily' }]);
    expect(parsed('weekly + on_escalation').parts.map((part) => part.kind)).toEqual([
      'interval',
      'event',
    ]);
  });

  it('refuses an unknown name with a suggestion, a bad cron field, a cron that never fires', () => {
    const typo = parseCadence('dayly');
    expect(typo).toMatchObject({ ok: false });
    expect(!typo.ok && typo.message).toContain('did you mean "daily"?');
    expect(parseCadence('weekly_cron')).toMatchObject({ ok: false });
    const field = parseCadence('61 * * * *');
    expect(!field.ok && field.message).toContain('Invalid value for minute: 61');
    const never = parseCadence('0 0 30 2 *');
    expect(!never.ok && never.message).toContain('never fires');
    expect(parseCadence('daily +')).toMatchObject({ ok: false });
  });
});

describe('nextCadenceTime', () => {
  const since = new Date('2026-12-06T10:00:00Z');

  it('adds the interval to the last run, and is due at once for a member that never ran', () => {
    expect(nextCadenceTime(parsed('daily'), since)?.toISOString()).toBe('2026-12-07T10:00:00.000Z');
    expect(nextCadenceTime(parsed('daily'), undefined)?.getTime()).toBe(0);
  });

  it('takes the next cron occurrence after the last run, and the earliest of joined parts', () => {
    expect(nextCadenceTime(parsed('0 8 * * 1'), since)?.toISOString()).toBe(
      '2026-12-07T08:00:00.000Z',
    );
    expect(nextCadenceTime(parsed('weekly + 0 8 * * *'), since)?.toISOString()).toBe(
      '2026-12-07T08:00:00.000Z',
    );
    expect(
      nextCadenceTime(parsed('0 8 * * *'), since, { timeZone: 'Europe/Berlin' })?.toISOString(),
    ).toBe('2026-12-07T07:00:00.000Z');
  });

  it('has no clock time for event cadences', () => {
    expect(nextCadenceTime(parsed('on_demand + per_publication'), since)).toBeUndefined();
  });
});
