import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openLedger, verifyLedger } from '@karnel/ledger';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { CURATOR_RECORD_TYPES } from './curator-records';
import { formatCuratorReport } from './format-curator-report';
import { libraryWithHistory, treeHashes } from './library-with-history.test-support';
import { runCurator } from './run-curator';

/** A mock model answering every call with `text`, reporting `cost` the way the tier source does. */
function answering(text: string, cost?: string) {
  return new MockLanguageModelV4({
    doGenerate: async () => ({
      content: [{ type: 'text', text }],
      finishReason: { unified: 'stop', raw: undefined },
      usage: {
        inputTokens: { total: 900, noCache: 900, cacheRead: 0, cacheWrite: 0 },
        outputTokens: { total: 120, text: 120, reasoning: 0 },
      },
      ...(cost ? { providerMetadata: { karnel: { candidate: 'mock', cost } } } : {}),
      warnings: [],
    }),
  });
}

const PROPOSALS = {
  proposals: [
    {
      action: 'merge',
      skills: ['research-arxiv-trending', 'weekly-strategic-review'],
      into: 'research-and-review',
      reason: 'both read the same sources every week',
    },
    {
      action: 'rewrite-description',
      skill: 'draft-newsletter-issue',
      description: 'Drafts an issue from the week’s research notes; use it on Mondays.',
      reason: 'the description does not say when to use it',
    },
    { action: 'retire', skill: 'hub-headlines', reason: 'never used' },
    {
      action: 'merge',
      skills: ['review-draft', 'draft-newsletter-issue'],
      into: 'draft-newsletter-issue',
      reason: 'drafting and reviewing go together',
    },
  ],
};

const ENABLED =
  '# keep the critic\'s rubric\npinned: ["review-draft"]\nmodel_pass:\n  enabled: true\n';

async function ledgerTypes(dir: string) {
  const ledger = await openLedger(join(dir, 'ledger'));
  const entries = [];
  for await (const entry of ledger.entries()) entries.push(entry);
  await ledger.close();
  return entries;
}

/** The skill files (not the archive, not the snapshot) with their hashes. */
async function skillFiles(dir: string) {
  return Object.fromEntries(
    Object.entries(await treeHashes(dir)).filter(
      ([path]) => path.includes('/skills/') && !path.includes('/.archive/'),
    ),
  );
}

describe('curator model pass', () => {
  it('is off by default: no model call, no proposals record', async () => {
    const { dir, clock } = await libraryWithHistory();
    const model = answering(JSON.stringify(PROPOSALS));
    const report = await runCurator(dir, {
      clock,
      languageModels: { languageModel: () => model },
    });
    expect(model.doGenerateCalls).toHaveLength(0);
    expect(report.modelPass).toBeUndefined();
    expect(report.mutations).toHaveLength(1);
    const types = (await ledgerTypes(dir)).map((entry) => entry.type);
    expect(types).toContain(CURATOR_RECORD_TYPES.pass);
    expect(types).not.toContain(CURATOR_RECORD_TYPES.proposals);
    expect(formatCuratorReport(report)).not.toContain('model pass');
  });

  it('when enabled, reports and ledgers proposals paid from a reservation, never applies them, and drops those touching protected or pinned skills', async () => {
    const { dir, clock } = await libraryWithHistory();
    await writeFile(join(dir, 'curator.yaml'), ENABLED);
    const model = answering(JSON.stringify(PROPOSALS), '0.0123');
    const tiers: string[] = [];
    const report = await runCurator(dir, {
      clock,
      models: async ({ tier }) => {
        tiers.push(tier);
        return model;
      },
    });
    expect(tiers).toEqual(['bulk-cheap']);
    expect(model.doGenerateCalls).toHaveLength(1);
    // The model is given the skill index with the grades of the deterministic pass.
    const prompt = JSON.stringify(model.doGenerateCalls[0]?.prompt);
    expect(prompt).toContain('\\"name\\":\\"hub-headlines\\",\\"grade\\":\\"protected\\"');
    expect(prompt).toContain('\\"name\\":\\"research-arxiv-trending\\",\\"grade\\":\\"stale\\"');
    expect(model.doGenerateCalls[0]?.responseFormat).toMatchObject({ type: 'json' });

    const pass = report.modelPass!;
    expect(pass.error).toBeUndefined();
    expect(pass.proposals.map((proposal) => proposal.action)).toEqual([
      'merge',
      'rewrite-description',
    ]);
    expect(pass.filtered.map((entry) => entry.reason)).toEqual([
      '"hub-headlines" is protected (bundled or from a hub): the curator never changes it',
      '"review-draft" is pinned in curator.yaml: the curator never changes it',
    ]);
    expect(pass).toMatchObject({ tokens: 1020, cost: '0.0123', charged: '0.02' });

    // Ledgered as proposals, with the filtered ones and the reservation that paid for them.
    const entries = await ledgerTypes(dir);
    const recorded = entries.find((entry) => entry.type === CURATOR_RECORD_TYPES.proposals);
    expect(recorded?.body).toMatchObject({
      pass: report.pass,
      tier: 'bulk-cheap',
      proposals: pass.proposals,
      filtered: pass.filtered,
      reservation: pass.reservation,
      charged: '0.02',
    });
    const treasury = entries.filter((entry) =>
      JSON.stringify(entry.body).includes(pass.reservation!),
    );
    expect(treasury.length).toBeGreaterThanOrEqual(2);
    expect((await verifyLedger(join(dir, 'ledger'))).ok).toBe(true);

    // Nothing was applied: only the deterministic archive moved a skill.
    const text = formatCuratorReport(report);
    expect(text).toContain(
      'propose merge research-arxiv-trending + weekly-strategic-review → research-and-review',
    );
    expect(text).toContain('filtered retire hub-headlines');
    const again = await runCurator(dir, { clock, dryRun: true, models: async () => model });
    expect(again.skills.map((skill) => skill.name).sort()).toEqual(
      report.skills
        .map((skill) => skill.name)
        .filter((name) => name !== 'weekly-strategic-review')
        .sort(),
    );
    const description = await readFile(
      join(dir, 'agents/writer/skills/draft-newsletter-issue/SKILL.md'),
      'utf8',
    );
    expect(description).not.toContain('on Mondays');
  });

  it('records an answer that does not match the schema as an error; the deterministic pass is still done', async () => {
    const { dir, clock } = await libraryWithHistory();
    await writeFile(join(dir, 'curator.yaml'), ENABLED);
    const model = answering(
      JSON.stringify({ proposals: [{ action: 'delete', skill: 'draft-newsletter-issue' }] }),
    );
    // Through the group's tiers.yaml, with the mock standing in for every candidate.
    const report = await runCurator(dir, {
      clock,
      machineTiersFile: false,
      languageModels: { languageModel: () => model },
    });
    expect(model.doGenerateCalls.length).toBeGreaterThanOrEqual(1);
    expect(report.modelPass?.error).toMatch(/does not match the proposal schema/);
    expect(report.modelPass?.proposals).toEqual([]);
    expect(report.mutations.map((mutation) => mutation.skill)).toEqual(['weekly-strategic-review']);
    const entries = await ledgerTypes(dir);
    expect(
      entries.find((entry) => entry.type === CURATOR_RECORD_TYPES.proposals)?.body,
    ).toMatchObject({
      error: report.modelPass?.error,
      proposals: [],
    });
    expect(entries.some((entry) => entry.type === CURATOR_RECORD_TYPES.pass)).toBe(true);
    expect(entries.some((entry) => entry.type === CURATOR_RECORD_TYPES.mutation)).toBe(true);
    expect(formatCuratorReport(report)).toContain('error: the model');
  });

  it('in a dry run resolves the model but calls it not (a call is paid and ledgered) and writes nothing', async () => {
    const { dir, clock } = await libraryWithHistory();
    await writeFile(join(dir, 'curator.yaml'), ENABLED);
    const before = await treeHashes(dir);
    const skills = await skillFiles(dir);
    const model = answering(JSON.stringify(PROPOSALS));
    const report = await runCurator(dir, { clock, dryRun: true, models: async () => model });
    expect(model.doGenerateCalls).toHaveLength(0);
    expect(report.modelPass?.proposals).toEqual([]);
    expect(report.modelPass?.reservation).toBeUndefined();
    expect(formatCuratorReport(report)).toContain(
      `dry run: ${model.provider}:${model.modelId} not called`,
    );
    expect(await treeHashes(dir)).toEqual(before);
    expect(await skillFiles(dir)).toEqual(skills);
  });

  it('reports mistakes in model_pass with file, line and column', async () => {
    const { dir } = await libraryWithHistory();
    await writeFile(
      join(dir, 'curator.yaml'),
      'model_pass:\n  enabled: yes please\n  tier: gigantic\n  budget: 3\n',
    );
    const error = await runCurator(dir, { dryRun: true }).catch((caught: unknown) => caught);
    const diagnostics = (error as { diagnostics: { file: string; line: number; column: number }[] })
      .diagnostics;
    expect(diagnostics.map((diagnostic) => [diagnostic.file, diagnostic.line])).toEqual(
      expect.arrayContaining([
        ['curator.yaml', 2],
        ['curator.yaml', 3],
        ['curator.yaml', 4],
      ]),
    );
    expect(diagnostics.every((diagnostic) => diagnostic.column > 0)).toBe(true);
  });
});
