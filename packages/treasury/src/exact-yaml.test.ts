import { describe, expect, it } from 'vitest';
import { parseExactYaml } from './exact-yaml';

describe('parseExactYaml', () => {
  it('keeps the text of every number, so 50.00 is not the float 50', () => {
    const document = parseExactYaml(
      'a: 50.00\nb: 0.1\nc: 12345678901234567890.12\nd: "7.5"\ne: true\nf: 60%\n',
      'x.yaml',
    );
    expect(document.value).toEqual({
      a: '50.00',
      b: '0.1',
      c: '12345678901234567890.12',
      d: '7.5',
      e: true,
      f: '60%',
    });
    expect(document.position(['c'])).toEqual({ line: 3, column: 4 });
  });

  it('reports syntax errors like core does', () => {
    const document = parseExactYaml('a: [1\n', 'x.yaml');
    expect(document.value).toBeUndefined();
    expect(document.diagnostics.length).toBeGreaterThan(0);
    expect(document.diagnostics[0]!.file).toBe('x.yaml');
  });
});
