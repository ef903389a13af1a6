import { describe, expect, it } from 'vitest';
import { createManualClock, systemClock } from './clock';

describe('clocks', () => {
  it('moves a manual clock only when told', () => {
    const clock = createManualClock('2026-05-03T10:00:00Z');
    expect(clock.now().toISOString()).toBe('2026-05-03T10:00:00.000Z');
    clock.advance(60_000);
    expect(clock.now().toISOString()).toBe('2026-05-03T10:01:00.000Z');
    clock.set('2027-01-01T00:00:00Z');
    expect(clock.now().getUTCFullYear()).toBe(2027);
  });

  it('reads real time from the system clock', () => {
    const before = Date.now();
    const now = systemClock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
  });
});
