import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPolicy } from './policy-engine';
import { validatePolicyFile } from './policy-file';

const templates = join(import.meta.dirname, '..', 'templates');

async function write(text: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'karnel-'));
  const path = join(folder, 'policy.yaml');
  await writeFile(path, text);
  return path;
}

describe('validatePolicyFile', () => {
  it('accepts every template without a diagnostic', async () => {
    const names = (await readdir(templates)).sort();
    expect(names).toEqual([
      'operator.yaml',
      'publisher.yaml',
      'read-only-researcher.yaml',
      'workspace-writer.yaml',
    ]);
    for (const name of names) {
      const result = await validatePolicyFile(join(templates, name), { displayPath: name });
      expect(result.diagnostics, name).toEqual([]);
      expect(result.rules.length, name).toBeGreaterThan(0);
      expect(result.value?.name).toBe(name.replace('.yaml', ''));
    }
  });

  it('makes the templates behave as their names say', async () => {
    const load = async (name: string) =>
      createPolicy({ rules: (await validatePolicyFile(join(templates, `${name}.yaml`))).rules });
    const researcher = await load('read-only-researcher');
    expect(
      researcher.decide({ actor: 'r', capability: 'fs.read:./workspace/paper.pdf' }).effect,
    ).toBe('allow');
    expect(
      researcher.decide({ actor: 'r', capability: 'fs.write:./workspace/paper.pdf' }).effect,
    ).toBe('deny');
    const writer = await load('workspace-writer');
    expect(writer.decide({ actor: 'w', capability: 'fs.write:./workspace/src/a.ts' }).effect).toBe(
      'allow',
    );
    expect(
      writer.decide({ actor: 'w', capability: 'fs.write:./workspace/app/.env.production' }).effect,
    ).toBe('needs-approval');
    expect(writer.decide({ actor: 'w', capability: 'git:push' }).effect).toBe('needs-approval');
    const publisher = await load('publisher');
    expect(publisher.decide({ actor: 'p', capability: 'publish:newsletter' }).effect).toBe(
      'needs-approval',
    );
    expect(
      publisher.decide({ actor: 'p', capability: 'spend', amount: 3, spent: { week: 1 } }).effect,
    ).toBe('allow');
    expect(
      publisher.decide({ actor: 'p', capability: 'spend', amount: 3, spent: { week: 19 } }).effect,
    ).toBe('needs-approval');
    const operator = await load('operator');
    expect(operator.decide({ actor: 'o', capability: 'deploy:staging' }).effect).toBe('allow');
    expect(operator.decide({ actor: 'o', capability: 'deploy:production' }).effect).toBe(
      'needs-approval',
    );
    expect(operator.decide({ actor: 'o', capability: 'shell.exec:rm -rf build' }).effect).toBe(
      'needs-approval',
    );
    expect(operator.decide({ actor: 'o', capability: 'shell.exec:dd if=/dev/zero' }).effect).toBe(
      'deny',
    );
  });

  it('reports mistakes at their line and column', async () => {
    const path = await write(
      [
        'karnel_policy_version: "0.1"',
        'rules:',
        '  - id: a',
        '    effect: allow',
        '    capability: "fs.raed:./x/**"',
        '  - id: a',
        '    effect: permit',
        '    capability: "net"',
        '  - effect: deny',
        '    capability: "Net:x"',
        'safe_mode:',
        '  keep: ["fs.write:./x/**"]',
        '',
      ].join('\n'),
    );
    const result = await validatePolicyFile(path, { displayPath: 'policy.yaml' });
    expect(result.rules).toEqual([]);
    const summary = result.diagnostics.map((d) => `${d.line}:${d.column} ${d.severity} ${d.code}`);
    expect(summary).toContain('7:13 error schema/invalid-value');
    expect(summary).toContain('10:17 error capability/invalid');
  });

  it('checks what the schema cannot: duplicate ids, when on non-spend, safe-mode writes, typos', async () => {
    const path = await write(
      [
        'karnel_policy_version: "0.1"',
        'rules:',
        '  - id: a',
        '    effect: allow',
        '    capability: "fs.raed:./x/**"',
        '  - id: a',
        '    effect: allow',
        '    capability: "net"',
        '    when: { amount_above: 5 }',
        'safe_mode:',
        '  keep: ["fs.write:./x/**"]',
        '',
      ].join('\n'),
    );
    const result = await validatePolicyFile(path, { displayPath: 'policy.yaml' });
    const summary = result.diagnostics.map((d) => `${d.line}:${d.column} ${d.severity} ${d.code}`);
    expect(summary).toEqual([
      '5:17 warning policy/unknown-capability',
      '6:9 error policy/duplicate-rule-id',
      '9:11 error policy/when-not-spend',
      '11:10 error policy/safe-mode-not-read',
    ]);
    expect(result.diagnostics[0]?.hint).toBe('did you mean "fs.read"?');
  });

  it('returns a diagnostic, not an exception, for a missing file', async () => {
    const result = await validatePolicyFile('/nonexistent/policy.yaml');
    expect(result.diagnostics[0]?.code).toBe('file/missing');
  });
});
