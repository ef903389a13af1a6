import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLatin1Interner } from './recent-strings';

describe('createLatin1Interner', () => {
  it('always returns the latin1 text of the bytes, across repeats and evictions', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('run.step', 'run.started', 'a/b.jsonl', 'run.stop', '', 'é'), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 4 }),
        (texts, size) => {
          const intern = createLatin1Interner(size);
          for (const text of texts) {
            const bytes = Buffer.concat([Buffer.from('xx'), Buffer.from(text, 'latin1')]);
            expect(intern(bytes, 2, bytes.length)).toBe(text);
          }
        },
      ),
    );
  });

  it('reads a slice in the middle of a larger buffer', () => {
    const intern = createLatin1Interner();
    const bytes = Buffer.from('{"type":"run.step","v":1}');
    expect(intern(bytes.subarray(1), 8, 16)).toBe('run.step');
    expect(intern(bytes.subarray(1), 8, 16)).toBe('run.step');
  });
});
