import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capabilityCovers, capabilityOverlaps } from './capability-covers';

describe('capabilityCovers', () => {
  it.each([
    ['fs.read', 'fs.read:/etc/passwd', true],
    ['fs.read:./workspace/**', 'fs.read:workspace/notes/a.md', true],
    ['fs.read:./workspace/**', 'fs.read:./workspace/docs/**', true],
    ['fs.read:./workspace/**', 'fs.read:workspace/../etc/passwd', false],
    ['fs.read:./workspace/**', 'fs.read:/workspace/a', false],
    ['fs.read:./workspace/**', 'fs.read', false],
    ['fs.read:./workspace/*.md', 'fs.read:./workspace/**', false],
    ['fs.read:**', 'fs.read:/etc/passwd', false],
    ['fs.write:/tmp/out/**', 'fs.write:/tmp/out/report.txt', true],
    ['fs.write:/tmp/out/**', 'fs.write:/tmp/outside', false],
    ['fs.read:./workspace/**', 'fs.write:./workspace/a', false],
    ['net:api.github.com', 'net:api.github.com', true],
    ['net:api.github.com', 'net:github.com', false],
    ['net:*.example.com', 'net:a.b.example.com', true],
    ['net:*.example.com', 'net:example.com', false],
    ['net:*.example.com', 'net:*.api.example.com', true],
    ['net:*.api.example.com', 'net:*.example.com', false],
    ['net:*', 'net:anything.org:443', true],
    ['net:api.github.com:443', 'net:api.github.com', false],
    ['net:api.github.com', 'net:api.github.com:443', true],
    ['shell.exec:git', 'shell.exec:git status', true],
    ['shell.exec:git status', 'shell.exec:git push', false],
    ['shell.exec:git', 'shell.exec:git status; rm -rf /', false],
    ['shell.exec:git', 'shell.exec:gitk', false],
    ['shell.exec:npm run *', 'shell.exec:npm run test', true],
    ['shell.exec', 'shell.exec:anything | at all', true],
    ['spend:20.00', 'spend:19.99', true],
    ['spend:20.00', 'spend:20', true],
    ['spend:20.00', 'spend:20.01', false],
    ['spend:20.00 USD', 'spend:5 EUR', false],
    ['spend:20', 'spend', false],
    ['secrets.read:OPENAI_*', 'secrets.read:OPENAI_API_KEY', true],
    ['secrets.read:OPENAI_*', 'secrets.read:OPENAI_ORG_*', true],
    ['secrets.read:OPENAI_API_KEY', 'secrets.read:OPENAI_*', false],
    ['deploy:staging', 'deploy:production', false],
    ['*', 'deploy:production', true],
    ['publish', 'publish:blog', true],
    ['not valid', 'deploy', false],
  ])('%s covers %s: %s', (granted, requested, expected) => {
    expect(capabilityCovers(granted, requested)).toBe(expected);
  });

  it('is reflexive for every parseable capability', () => {
    const capability = fc.oneof(
      fc.constantFrom(
        'fs.read',
        'fs.write:/tmp/**',
        'net:*.a.io',
        'spend:1',
        'shell.exec:ls -la',
        'x.y:z*',
      ),
      fc.stringMatching(/^[a-z]{1,5}(\.[a-z]{1,5})?(:[a-z*]{1,6})?$/),
    );
    fc.assert(
      fc.property(capability, (text) => {
        expect(capabilityCovers(text, text)).toBe(true);
      }),
    );
  });

  it('is transitive on path globs: covering a cover means covering what it covers', () => {
    const segment = fc.constantFrom('a', 'b', 'c');
    const path = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
    const pattern = fc.oneof(
      path.map((p) => `${p}/**`),
      path,
      fc.constant('**'),
    );
    fc.assert(
      fc.property(pattern, pattern, path, (outer, inner, concrete) => {
        if (
          capabilityCovers(`fs.read:${outer}`, `fs.read:${inner}`) &&
          capabilityCovers(`fs.read:${inner}`, `fs.read:${concrete}`)
        ) {
          expect(capabilityCovers(`fs.read:${outer}`, `fs.read:${concrete}`)).toBe(true);
        }
      }),
    );
  });
});

describe('capabilityOverlaps', () => {
  it('applies deny patterns to requests that only partly touch them', () => {
    expect(capabilityOverlaps('fs.read:./workspace/secret/**', 'fs.read:./workspace/**')).toBe(
      true,
    );
    expect(capabilityOverlaps('fs.read:./workspace/secret/**', 'fs.read')).toBe(true);
    expect(capabilityOverlaps('fs.read:./workspace/secret/**', 'fs.read:./other/**')).toBe(false);
    expect(capabilityOverlaps('net:evil.com', 'net:*')).toBe(true);
    expect(capabilityOverlaps('shell.exec:rm', 'shell.exec:ls; rm -rf /')).toBe(true);
    expect(capabilityOverlaps('shell.exec:git push', 'shell.exec:git *')).toBe(true);
    // A concrete request is the exact command line: plain `git` does not run `git push`.
    expect(capabilityOverlaps('shell.exec:git push', 'shell.exec:git')).toBe(false);
    expect(capabilityOverlaps('secrets.read:PROD_*', 'secrets.read:*_KEY')).toBe(true);
  });
});
