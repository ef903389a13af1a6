import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from './suggest';

describe('closestMatch', () => {
  it('suggests plausible typos only', () => {
    const fields = [
      'karnel_spec_version',
      'agent',
      'purpose',
      'capabilities_declared',
      'constraints',
    ];
    expect(closestMatch('purpos', fields)).toBe('purpose');
    expect(closestMatch('constraint', fields)).toBe('constraints');
    expect(closestMatch('agnet', fields)).toBe('agent');
    expect(closestMatch('vision', fields)).toBeUndefined();
  });

  it('counts transpositions as one edit', () => {
    expect(editDistance('agnet', 'agent')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});
