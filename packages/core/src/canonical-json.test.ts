import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { InvalidArgumentError } from './errors';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units and drops whitespace', () => {
    // The key-ordering example of RFC 8785 section 3.2.3.
    const value = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Read the keys from the text: Object.keys would move the integer-like "1" first.
    const keys = [...canonicalJson(value).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((match) =>
      JSON.parse(`"${match[1]}"`),
    );
    expect(keys).toEqual(['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  });

  it('serialises numbers in their shortest round-trip form (RFC 8785 appendix B)', () => {
    const cases: Array<[number, string]> = [
      [0, '0'],
      [-0, '0'],
      [1e21, '1e+21'],
      [1e-7, '1e-7'],
      [333333333.3333333, '333333333.3333333'],
      [9007199254740991, '9007199254740991'],
      [4.35, '4.35'],
      [0.000001, '0.000001'],
    ];
    for (const [input, expected] of cases) expect(canonicalJson(input)).toBe(expected);
  });

  it('matches the RFC 8785 section 3.2.2 example byte for byte', () => {
    const value = {
      numbers: [333333333.3333333, 1e30, 4.5, 2e-3, 0.000000000000000000000000001],
      string: '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/',
      literals: [null, true, false],
    };
    expect(canonicalJson(value)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('omits undefined members but rejects values JSON cannot represent', () => {
    expect(canonicalJson({ b: 1, a: undefined })).toBe('{"b":1}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => canonicalJson([undefined])).toThrow(/\$\[0\]/);
    expect(() => canonicalJson({ s: '\ud800' })).toThrow(/surrogate/);
    expect(() => canonicalJson(10n)).toThrow(/bigint/);
  });

  it('names the path of the value it cannot represent, however deep', () => {
    expect(() => canonicalJson({ a: { b: [1, { c: Number.POSITIVE_INFINITY }] } })).toThrow(
      /\$\.a\.b\[1\]\.c/,
    );
    expect(() => canonicalJson({ list: [{ ok: 'x' }, { text: 'a\udc00' }] })).toThrow(
      /\$\.list\[1\]\.text.*|surrogate/,
    );
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/\$\.f/);
  });

  it('writes what JSON.stringify writes for nested plain values, with keys sorted', () => {
    const value = {
      z: [1, 2.5, -0.001, 'é', { y: null, b: true, a: [[], {}] }],
      a: { c: 'three', ' ': 'space', B: 'upper' },
      when: new Date(Date.UTC(2026, 0, 2)),
      empty: '',
      gone: undefined,
    };
    expect(canonicalJson(value)).toBe(
      '{"a":{" ":"space","B":"upper","c":"three"},"empty":"","when":"2026-01-02T00:00:00.000Z",' +
        '"z":[1,2.5,-0.001,"é",{"a":[[],{}],"b":true,"y":null}]}',
    );
    // Integer-like keys are sorted as text too, not in the order objects keep them.
    expect(canonicalJson({ '10': 'ten', '2': 'two', a: 1 })).toBe('{"10":"ten","2":"two","a":1}');
  });
});
