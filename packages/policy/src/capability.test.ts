import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capabilitySchema, formatCapability, parseCapability } from './capability';

describe('parseCapability', () => {
  it('parses the built-in vocabulary with scopes', () => {
    expect(parseCapability('fs.read:./workspace/**')).toEqual({
      ok: true,

      value: { name: 'fs.read', kind: 'path', scope: 'workspace/**' },
    });
    expect(parseCapability('fs.write:/tmp/out/')).toMatchObject({ value: { scope: '/tmp/out' } });
    expect(parseCapability('net:API.GitHub.com')).toMatchObject({
      value: { kind: 'host', scope: 'api.github.com' },
    });
    expect(parseCapability('net:*.example.com:8443')).toMatchObject({
      value: { scope: '*.example.com:8443' },
    });
    expect(parseCapability('shell.exec:git   status')).toMatchObject({
      value: { kind: 'command', scope: 'git status' },
    });
    expect(parseCapability('secrets.read:OPENAI_API_KEY')).toMatchObject({
      value: { kind: 'generic', scope: 'OPENAI_API_KEY' },
    });
    expect(parseCapability('deploy')).toEqual({
      ok: true,

      value: { name: 'deploy', kind: 'generic' },
    });
  });

  it('parses spend amounts exactly, with an optional currency', () => {
    expect(parseCapability('spend:20.00')).toMatchObject({
      value: { scope: '20.00 USD', amount: { units: 20_000_000_000_000n, currency: 'USD' } },
    });
    expect(parseCapability('spend:20.5 eur')).toMatchObject({ value: { scope: '20.50 EUR' } });
    expect(parseCapability('spend:0.000001')).toMatchObject({
      value: { amount: { units: 1_000_000n } },
    });
    expect(parseCapability('spend:twenty')).toMatchObject({ ok: false });
    expect(parseCapability('spend:-5')).toMatchObject({ ok: false });
  });

  it('accepts user-defined names and the rule wildcard', () => {
    expect(parseCapability('strategic_review')).toMatchObject({
      ok: true,
      value: { kind: 'generic' },
    });
    expect(parseCapability('content.publish:blog')).toMatchObject({
      ok: true,
      value: { scope: 'blog' },
    });
    expect(parseCapability('*')).toMatchObject({ ok: true, value: { name: '*' } });
  });

  it('returns a reason, never throws, for malformed text', () => {
    for (const text of [
      '',
      'FS.read',
      'fs..read',
      '1net',
      'fs.read:',
      '*:x',
      'net:exa mple.com',
      'fs.read:!secret/**',
      'net:host:99999',
    ]) {
      const result = parseCapability(text);
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
    }
    expect(parseCapability(42 as unknown as string)).toMatchObject({ ok: false });
  });

  it('never throws for any string', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const result = parseCapability(text);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });

  it('formats back to a string that parses to the same capability', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'fs.read:./a/**',
          'net:*.x.com',
          'spend:3.5',
          'shell.exec:npm run *',
          'deploy:prod',
          'git',
        ),
        (text) => {
          const first = parseCapability(text);
          if (!first.ok) throw new Error(first.reason);
          expect(parseCapability(formatCapability(first.value))).toEqual(first);
        },
      ),
    );
  });
});

describe('capabilitySchema', () => {
  it('normalises valid strings and labels invalid ones capability/invalid', () => {
    expect(capabilitySchema.parse('spend:20')).toBe('spend:20.00 USD');
    const result = capabilitySchema.safeParse('Net:x');
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('capability/invalid');
  });
});
