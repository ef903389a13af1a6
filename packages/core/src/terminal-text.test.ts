import { describe, expect, it } from 'vitest';
import { escapeTerminalText } from './terminal-text';

describe('escapeTerminalText', () => {
  it('leaves printable text, including non-ASCII letters, unchanged', () => {
    expect(escapeTerminalText('Café — 東京 ✓ "quoted"')).toBe('Café — 東京 ✓ "quoted"');
  });

  it('makes escape sequences, carriage returns and backspaces visible', () => {
    const escaped = escapeTerminalText('ok\u001b[2K\rforged\b\u0007');
    expect(escaped).toBe('ok\\x1b[2K\\rforged\\x08\\x07');
    expect(escaped).not.toMatch(/[\u0000-\u001f]/);
  });

  it('escapes C1 controls, including the one-byte CSI', () => {
    expect(escapeTerminalText('a\u009b31mb\u0085')).toBe('a\\x9b31mb\\x85');
  });

  it('escapes bidirectional overrides and line separators', () => {
    expect(escapeTerminalText('abc\u202edcba\u2066x\u2028')).toBe('abc\\u202edcba\\u2066x\\u2028');
  });

  it('escapes line feeds unless multi-line text is asked for', () => {
    expect(escapeTerminalText('one\ntwo')).toBe('one\\ntwo');
    expect(escapeTerminalText('one\ntwo\u001b[A', { multiline: true })).toBe('one\ntwo\\x1b[A');
  });

  it('gives the same answer on repeated calls (no regex state leaks)', () => {
    const input = 'x\u001by';
    expect(escapeTerminalText(input)).toBe(escapeTerminalText(input));
    expect(escapeTerminalText('plain')).toBe('plain');
    expect(escapeTerminalText(input)).toBe('x\\x1by');
  });
});
