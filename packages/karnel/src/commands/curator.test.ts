import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyExample, makeTempDir, runKarnel } from '../../test/run-karnel';

const copies: string[] = [];
afterEach(async () => {
  await Promise.all(copies.splice(0).map((path) => rm(path, { recursive: true, force: true })));
});

/** A copy of the example group with `curator.yaml` holding `text`; returns the group folder. */
async function exampleWithCuratorYaml(text: string): Promise<string> {
  const root = await copyExample('newsletter-co');
  copies.push(root);
  const group = join(root, 'newsletter-co');
  await writeFile(join(group, 'curator.yaml'), text);
  return group;
}

describe('karnel curator', () => {
  it('prints a dry-run report that changes nothing, runs, and rolls one change back to the exact bytes', async () => {
    const root = await copyExample('newsletter-co');
    copies.push(root);
    const group = join(root, 'newsletter-co');
    const skill = join(group, 'agents/strategist/skills/weekly-strategic-review/SKILL.md');
    const original = await readFile(skill);
    // A fresh copy has no ledger: nothing has watched its skills, so none is idle yet.
    const fresh = await runKarnel(['curator', 'run', group, '--dry-run']);
    expect(fresh.stdout).toMatch(/active\s+0 uses\s+idle\s+0 d\s+agents\/strategist/);
    expect(fresh.stdout).toContain('mutations: none');
    // A ledger kept since May 2026, when the example's skills were made, and no use of them
    // since: past 30 days, every one is archived.
    const { createManualClock } = await import('@karnel/core');
    const { openLedger } = await import('@karnel/ledger');
    const ledger = await openLedger(join(group, 'ledger'), {
      clock: createManualClock('2026-05-10T09:00:00Z'),
    });
    await ledger.recordOutcome({ outcome: { summary: 'the group started' } });
    await ledger.close();
    const dry = await runKarnel(['curator', 'run', group, '--dry-run']);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('(dry run: nothing changed)');
    expect(dry.stdout).toMatch(
      /archived\s+0 uses.*agents\/strategist\/skills\/weekly-strategic-review/,
    );
    expect(await readFile(skill)).toEqual(original);

    const ran = await runKarnel(['curator', 'run', group, '--format', 'json']);
    expect(ran.code).toBe(0);
    const report = JSON.parse(ran.stdout);
    const mutation = report.mutations.find(
      (entry: { skill: string }) => entry.skill === 'weekly-strategic-review',
    );
    await expect(readFile(skill)).rejects.toThrow();
    const back = await runKarnel(['curator', 'rollback', group, mutation.mutation]);
    expect(back.stderr).toBe('');
    expect(back.stdout).toContain(`rolled back ${mutation.mutation}`);
    expect(await readFile(skill)).toEqual(original);
    expect((await runKarnel(['ledger', 'verify', group])).code).toBe(0);
  });

  it('exits 1 with the position of a mistake in curator.yaml', async () => {
    const root = await copyExample('newsletter-co');
    copies.push(root);
    const group = join(root, 'newsletter-co');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(join(group, 'curator.yaml'), 'pinned: []\nstale_after_days: soon\n'),
    );
    const run = await runKarnel(['curator', 'run', group, '--dry-run']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/curator\.yaml:2:\d+: error schema\/invalid-type/);
  });

  it('with the model pass on and no model for its tier, prints the report with the model error and changes nothing', async () => {
    const group = await exampleWithCuratorYaml(
      'model_pass:\n  enabled: true\n  tier: fast-general\n',
    );
    // fast-general without Ollama's model on this machine and without an OpenAI key: no candidate.
    const tiers = join(group, 'tiers.yaml');
    const text = await readFile(tiers, 'utf8');
    await writeFile(
      tiers,
      text.replace(
        '    - model: ollama:qwen3:8b\n      needs: { ram_gb: 8 }\n    - model: openai',
        '    - model: openai',
      ),
    );
    const files = async () => {
      const found: Record<string, string> = {};
      for (const path of await readdir(group, { recursive: true }))
        found[path] = await readFile(join(group, path), 'utf8').catch(() => 'folder');
      return found;
    };
    const before = await files();
    const config = await makeTempDir();
    copies.push(config);
    const dry = await runKarnel(['curator', 'run', group, '--dry-run'], {
      env: { OPENAI_API_KEY: '', KARNEL_CONFIG_HOME: config },
    });
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('(dry run: nothing changed)');
    expect(dry.stdout).toMatch(
      /model pass \(fast-general, 0 tokens, cost 0\): proposals only, nothing applied\n {2}error: /,
    );
    expect(await files()).toEqual(before);
  });

  it('exits 1 with the position of a mistake in model_pass', async () => {
    const group = await exampleWithCuratorYaml('model_pass:\n  enabled: true\n  tier: gigantic\n');
    const run = await runKarnel(['curator', 'run', group, '--dry-run']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/curator\.yaml:3:\d+: error /);
  });
});
