import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { editMappingText } from './edit-in-place';

describe('editMappingText', () => {
  it('replaces, removes and inserts fields by splicing the text', () => {
    const text = `goals:
  - id: a   # first
    status: 'blocked'   # waiting
    blocker: b
    note: |
      two
      lines
  - id: b
`;
    expect(
      editMappingText(
        text,
        ['goals', 0],
        [
          { key: 'status', value: 'active' },
          { key: 'blocker', value: undefined },
        ],
      ),
    ).toBe(`goals:
  - id: a   # first
    status: 'active'   # waiting
    note: |
      two
      lines
  - id: b
`);
    expect(
      editMappingText(text, ['goals', 1], [{ key: 'status', value: 'achieved', after: ['id'] }]),
    ).toBe(`${text}    status: achieved\n`);
    expect(
      editMappingText(text, ['goals', 0], [{ key: 'owner', value: 'a: b', after: ['note'] }]),
    ).toContain('      lines\n    owner: "a: b"\n  - id: b\n');
  });

  it('falls back to re-printing for flow mappings, keeping the value right', () => {
    const text = 'goals: [{ id: a, status: blocked, blocker: b }] # tree\n';
    const edited = editMappingText(
      text,
      ['goals', 0],
      [
        { key: 'status', value: 'active' },
        { key: 'blocker', value: undefined },
      ],
    );
    expect(parse(edited)).toEqual({ goals: [{ id: 'a', status: 'active' }] });
    expect(edited).toContain('# tree');
  });

  it('always yields the intended value on generated documents', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
    const entry = fc.record({
      id: word,
      statement: fc.string({ maxLength: 30 }),
      status: fc.option(fc.constantFrom('active', 'blocked', 'achieved'), { nil: undefined }),
      blocker: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.constantFrom('active', 'blocked', 'abandoned'),
        fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
        fc.boolean(),
        (entries, pick, status, blocker, flow) => {
          const clean = entries.map((item) =>
            Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined)),
          );
          const text = stringify({ active_goals: clean }, flow ? { collectionStyle: 'flow' } : {});
          const index = pick % clean.length;
          const edited = editMappingText(
            text,
            ['active_goals', index],
            [
              { key: 'status', value: status, after: ['statement', 'id'] },
              { key: 'blocker', value: blocker, after: ['status'] },
            ],
          );
          const expected = structuredClone(clean);
          const target = expected[index] as Record<string, unknown>;
          target.status = status;
          if (blocker === undefined) delete target.blocker;
          else target.blocker = blocker;
          expect(parse(edited)).toEqual({ active_goals: expected });
        },
      ),
      { numRuns: 300 },
    );
  });
});
