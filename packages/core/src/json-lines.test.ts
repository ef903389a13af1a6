import { describe, expect, it } from 'vitest';
import { parseJsonLines } from './json-lines';

describe('parseJsonLines', () => {
  it('parses lines, skips blank ones and keeps line numbers', () => {
    const result = parseJsonLines('{"a":1}\n\n{"a":2}\r\n', 'episodic.jsonl');
    expect(result.records.map((record) => [record.line, record.value])).toEqual([
      [1, { a: 1 }],
      [3, { a: 2 }],
    ]);
    expect(result.diagnostics).toEqual([]);
    expect(result.tornTail).toBe(false);
  });

  it('reports a bad line at its line and column', () => {
    const result = parseJsonLines('{"a":1}\n{"a":,}\n', 'x.jsonl');
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ file: 'x.jsonl', line: 2, code: 'jsonl/syntax' });
    expect(result.diagnostics[0]!.column).toBeGreaterThan(1);
  });

  it('recognises a torn last line', () => {
    const result = parseJsonLines('{"a":1}\n{"a":', 'x.jsonl');
    expect(result.tornTail).toBe(true);
    expect(result.diagnostics[0]).toMatchObject({ line: 2, code: 'jsonl/torn-line' });
    expect(result.records).toHaveLength(1);
  });
});
