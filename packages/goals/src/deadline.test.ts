import { describe, expect, it } from 'vitest';
import { goalDeadline, parseStatementDeadline } from './deadline';

describe('parseStatementDeadline', () => {
  it('reads ISO dates and written-out dates after a deadline word', () => {
    expect(parseStatementDeadline('1,000 free subscribers by 2026-08-01')).toEqual({
      date: '2026-08-01',
      text: 'by 2026-08-01',
      index: 23,
    });
    expect(parseStatementDeadline('Launch the course before August 1, 2026')?.date).toBe(
      '2026-08-01',
    );
    expect(parseStatementDeadline('Ship v2 by 3rd Sept 2026')?.date).toBe('2026-09-03');
    expect(parseStatementDeadline('Paid tier due on 2027-01-15')?.date).toBe('2027-01-15');
    expect(parseStatementDeadline('Hire an editor no later than Dec 31 2026')?.date).toBe(
      '2026-12-31',
    );
  });

  it('takes the first deadline when several dates appear', () => {
    expect(parseStatementDeadline('Draft by 2026-06-01, publish by 2026-07-01')?.date).toBe(
      '2026-06-01',
    );
  });

  it('ignores statements without a date, and dates without a deadline word', () => {
    expect(parseStatementDeadline('Maintain >40% open rate')).toBeUndefined();
    expect(parseStatementDeadline('Grow by next quarter')).toBeUndefined();
    expect(parseStatementDeadline('Report covering 2026-05-01 traffic')).toBeUndefined();
  });

  it('flags a written date that does not exist', () => {
    expect(parseStatementDeadline('Launch by 2026-02-30')).toEqual({
      text: 'by 2026-02-30',
      index: 7,
    });
  });

  it('prefers the explicit deadline field', () => {
    expect(goalDeadline({ statement: 'Ship by 2026-06-01', deadline: '2026-07-01' })).toBe(
      '2026-07-01',
    );
    expect(goalDeadline({ statement: 'Ship by 2026-06-01' })).toBe('2026-06-01');
  });
});
