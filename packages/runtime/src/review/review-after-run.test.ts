import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createId, createManualClock } from '@karnel/core';
import { type LedgerEntry, openLedger, readLedgerEntries } from '@karnel/ledger';
import { CONSOLIDATION_KIND, createFileMemory } from '@karnel/memory';
import { loadSkill } from '@karnel/skills';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../create-runtime';
import { copyExampleGroup } from '../run/example-group.test-support';
import { requestWake } from '../scheduler/request-wake';
import { type MockAnswer, mockModel, onlyOnDemand, PRICED_TIERS } from './mock-models.test-support';
import { reviewRun } from './review-run';

let cleanup: string | undefined;
afterEach(async () => {
  if (cleanup) await rm(cleanup, { recursive: true, force: true });
  cleanup = undefined;
});

async function entries(dir: string): Promise<LedgerEntry[]> {
  const all: LedgerEntry[] = [];
  for await (const entry of readLedgerEntries(join(dir, 'ledger'))) all.push(entry);
  return all;
}

async function group() {
  const { dir } = await copyExampleGroup();
  cleanup = join(dir, '..');
  await onlyOnDemand(dir);
  await writeFile(join(dir, 'tiers.yaml'), PRICED_TIERS);
  return dir;
}

/** The writer's model (fast-general) and the reviewer's (bulk-cheap), told apart by candidate. */
function models(writer: (toolResults: number) => MockAnswer) {
  const review = mockModel((_prompt, toolResults) =>
    toolResults === 0
      ? {
          tool: 'author_skill',
          input: {
            name: 'issue-outline',
            description: 'Outline a newsletter issue before drafting it.',
            instructions: '1. List the three findings.\n2. Order them by reader value.',
          },
        }
      : { text: 'done' },
  );
  const member = mockModel((_prompt, toolResults) => writer(toolResults));
  return {
    review,
    member,
    languageModels: {
      languageModel: (id: string) => (id === 'openai:gpt-5-nano' ? review : member),
    },
  };
}

describe('the per-run review, wired after runs', () => {
  it('after a run that used a skill twice, authors a skill with provenance on the bulk-cheap tier, paid from its own reservation', async () => {
    const dir = await group();
    const clock = createManualClock('2026-12-07T09:00:00Z');
    const { review, languageModels } = models((toolResults) =>
      toolResults < 2
        ? { tool: 'use_skill', input: { name: 'draft-newsletter-issue' } }
        : { text: 'Issue 5 drafted from the outline.' },
    );
    await requestWake({ dir, member: 'writer', reason: 'draft issue 5', clock });
    const report = await createRuntime({
      dir,
      clock,
      reviews: { strategic: false, meta: false },
      parts: { languageModels, machineTiersFile: false },
    }).runOnce();
    expect(report.runs.map((run) => [run.member, run.result.status])).toEqual([
      ['writer', 'succeeded'],
    ]);
    const runId = report.runs[0]!.runId;
    expect(review.doGenerateCalls).toHaveLength(2);

    const authored = await loadSkill(join(dir, 'agents/writer/skills/issue-outline'), {
      source: 'agent',
    });
    expect(authored.skill?.karnel?.provenance).toMatchObject({
      source: 'self-authored',
      created_by_run: runId,
    });
    expect(authored.skill?.rawFrontmatter.metadata).toEqual({
      'karnel-authored-by': 'review',
      'karnel-source-run': runId,
    });

    const ledger = await entries(dir);
    const finished = ledger.find(
      (entry) => entry.type === 'review.finished' && entry.body.runId === runId,
    );
    expect(finished?.body).toMatchObject({ status: 'reviewed', authored: ['issue-outline'] });
    expect(
      ledger.find((entry) => entry.type === 'skill.authored' && entry.body.runId === runId)?.body,
    ).toMatchObject({ skill: 'issue-outline', review: true, before: null });
    const opened = ledger.find(
      (entry) =>
        entry.type === 'reservation.opened' &&
        entry.body.purpose === `run ${runId} of writer (per-run review)`,
    );
    expect(opened?.body).toMatchObject({ model_class: 'bulk-cheap', amount: '0.10' });
    const spent = ledger.find(
      (entry) => entry.type === 'spend.recorded' && entry.body.reservation === opened?.body.id,
    );
    expect(spent?.body).toMatchObject({ model_class: 'bulk-cheap', run: runId, amount: '0.01' });
    // The review comes after the run it reviews is finished and settled.
    const runFinished = ledger.find(
      (entry) => entry.type === 'run.finished' && entry.body.run_id === runId,
    );
    expect(opened!.seq).toBeGreaterThan(runFinished!.seq);
  });

  it('keeps the tactical cadence of the goals file: daily reviews a member at most once a day, per_publication never after a run', async () => {
    const dir = await group();
    const goals = join(dir, 'goals/current.yaml');
    const text = await readFile(goals, 'utf8');
    await writeFile(goals, text.replace('tactical: "per_run"', 'tactical: "daily"'));
    const clock = createManualClock('2026-12-07T09:00:00Z');
    const { review, languageModels } = models((toolResults) =>
      toolResults < 2
        ? { tool: 'use_skill', input: { name: 'draft-newsletter-issue' } }
        : { text: 'Issue drafted.' },
    );
    const runWriter = async (why: string) => {
      await requestWake({ dir, member: 'writer', reason: why, clock });
      const report = await createRuntime({
        dir,
        clock,
        reviews: { strategic: false, meta: false },
        parts: { languageModels, machineTiersFile: false },
      }).runOnce();
      expect(report.runs.map((run) => run.result.status)).toEqual(['succeeded']);
      return report.runs[0]!.runId;
    };
    const reviewed = async () =>
      (await entries(dir))
        .filter((entry) => entry.type === 'review.finished' && entry.body.status === 'reviewed')
        .map((entry) => entry.body.runId);

    const first = await runWriter('draft issue 5');
    expect(await reviewed()).toEqual([first]);
    const calls = review.doGenerateCalls.length;
    clock.advance(3_600_000);
    await runWriter('draft issue 6');
    expect(review.doGenerateCalls).toHaveLength(calls);
    expect(await reviewed()).toEqual([first]);
    clock.advance(24 * 3_600_000);
    const third = await runWriter('draft issue 7');
    expect(await reviewed()).toEqual([first, third]);

    await writeFile(goals, text.replace('tactical: "per_run"', 'tactical: "per_publication"'));
    clock.advance(48 * 3_600_000);
    const before = review.doGenerateCalls.length;
    await runWriter('draft issue 8');
    expect(review.doGenerateCalls).toHaveLength(before);
    expect(await reviewed()).toEqual([first, third]);
  });

  it('does not review a run that touched no skill and no memory: no model call, no record, no reservation', async () => {
    const dir = await group();
    const clock = createManualClock('2026-12-07T09:00:00Z');
    const { review, member, languageModels } = models(() => ({ text: 'Nothing to draft today.' }));
    await requestWake({ dir, member: 'writer', reason: 'anything to draft?', clock });
    const report = await createRuntime({
      dir,
      clock,
      reviews: { strategic: false, meta: false },
      parts: { languageModels, machineTiersFile: false },
    }).runOnce();
    expect(report.runs.map((run) => run.result.status)).toEqual(['succeeded']);
    expect(member.doGenerateCalls).toHaveLength(1);
    expect(review.doGenerateCalls).toHaveLength(0);
    const ledger = await entries(dir);
    expect(ledger.filter((entry) => entry.type.startsWith('review.'))).toEqual([]);
    expect(
      ledger.filter(
        (entry) => entry.type === 'reservation.opened' && entry.body.model_class === 'bulk-cheap',
      ),
    ).toEqual([]);
  });

  it('a review that fails is recorded, never fails the run, and gives its reservation back', async () => {
    const dir = await group();
    // No bulk-cheap candidate: the review's model cannot be had.
    await writeFile(
      join(dir, 'tiers.yaml'),
      (await readFile(join(dir, 'tiers.yaml'), 'utf8')).replace(/ {2}bulk-cheap:\n.*\n.*\n/, ''),
    );
    const clock = createManualClock('2026-12-07T09:00:00Z');
    const { review, languageModels } = models((toolResults) =>
      toolResults < 1
        ? { tool: 'use_skill', input: { name: 'draft-newsletter-issue' } }
        : { text: 'Drafted.' },
    );
    await requestWake({ dir, member: 'writer', reason: 'draft', clock });
    const report = await createRuntime({
      dir,
      clock,
      reviews: { strategic: false, meta: false },
      parts: { languageModels, machineTiersFile: false },
    }).runOnce();
    expect(report.runs.map((run) => run.result.status)).toEqual(['succeeded']);
    expect(review.doGenerateCalls).toHaveLength(0);
    const ledger = await entries(dir);
    const failed = ledger.find((entry) => entry.type === 'review.finished');
    expect(failed?.body).toMatchObject({ runId: report.runs[0]!.runId, status: 'failed' });
    const opened = ledger.find(
      (entry) => entry.type === 'reservation.opened' && entry.body.model_class === 'bulk-cheap',
    );
    expect(
      ledger.find(
        (entry) => entry.type === 'reservation.released' && entry.body.id === opened?.body.id,
      ),
    ).toBeDefined();
  });
});

describe('condensing episodes into semantic memory', () => {
  it('writes semantic items that cite the episodes they come from, and marks those episodes consolidated', async () => {
    const dir = await group();
    const clock = createManualClock('2026-12-07T09:00:00Z');
    const memory = createFileMemory({ dir: join(dir, 'agents/writer/memory'), clock });
    const before = await memory.readEpisodes();
    const first = await memory.appendEpisode({
      kind: 'note',
      text: 'Readers opened the issue on GPU pricing twice as often.',
    });
    const second = await memory.appendEpisode({
      kind: 'note',
      text: 'The issue on inference caching was forwarded 40 times.',
    });
    const third = await memory.appendEpisode({ kind: 'note', text: 'The printer jammed.' });
    const ledger = await openLedger(join(dir, 'ledger'), { clock });
    const runId = createId('run');
    const model = mockModel((prompt, toolResults) => {
      expect(prompt).toContain(first.id);
      return toolResults === 0
        ? {
            tool: 'condense_episodes',
            input: {
              facts: [
                {
                  title: 'Cost issues pull readers',
                  text: 'Issues about the cost of inference are read and forwarded most.',
                  episodes: [first.id, second.id],
                },
              ],
            },
          }
        : { text: 'done' };
    });
    const review = await reviewRun({
      runId,
      touches: { skills: new Map(), memory: true },
      skillsDir: join(dir, 'agents/writer/skills'),
      ledger,
      model,
      summary: 'A run that remembered three things.',
      memory,
      clock,
    });
    expect(review.condensed).toHaveLength(1);
    const items = await memory.listSemantic();
    const item = items.find((candidate) => candidate.id === review.condensed[0]);
    expect(item).toMatchObject({
      text: 'Issues about the cost of inference are read and forwarded most.',
      title: 'Cost issues pull readers',
      sources: [first.id, second.id],
    });
    // Every episode shown was consolidated (the marker names them), the unrelated one too:
    // nothing is deleted, and the next review is not shown them again.
    const markers = await memory.readEpisodes({ kinds: [CONSOLIDATION_KIND] });
    expect(markers).toHaveLength(1);
    expect((markers[0]?.data as { episodes?: string[] } | undefined)?.episodes).toEqual([
      ...before.map((episode) => episode.id),
      first.id,
      second.id,
      third.id,
    ]);
    const condensed = [];
    for await (const entry of ledger.entries({ type: 'memory' })) condensed.push(entry);
    expect(condensed.map((entry) => entry.body)).toEqual([
      {
        runId,
        review: true,
        episodes: [...before.map((episode) => episode.id), first.id, second.id, third.id],
        items: review.condensed,
      },
    ]);
    await ledger.close();
    await memory.close();
  });

  it('refuses facts that cite episodes it was not shown', async () => {
    const dir = await group();
    const clock = createManualClock('2026-12-07T09:00:00Z');
    const memory = createFileMemory({ dir: join(dir, 'agents/writer/memory'), clock });
    await memory.appendEpisode({ kind: 'note', text: 'Something happened.' });
    const ledger = await openLedger(join(dir, 'ledger'), { clock });
    const model = mockModel((_prompt, toolResults) =>
      toolResults === 0
        ? {
            tool: 'condense_episodes',
            input: { facts: [{ text: 'Made up.', episodes: ['epi_01KQZZZZZZZZZZZZZZZZZZZZZZ'] }] },
          }
        : { text: 'done' },
    );
    const review = await reviewRun({
      runId: createId('run'),
      touches: { skills: new Map(), memory: true },
      skillsDir: join(dir, 'agents/writer/skills'),
      ledger,
      model,
      summary: '',
      memory,
      clock,
    });
    expect(review.condensed).toEqual([]);
    expect(review.refused[0]).toContain('were not among those shown');
    expect(
      (await memory.listSemantic()).filter((item) => item.kind === 'review.condensed'),
    ).toEqual([]);
    expect(await memory.readEpisodes({ kinds: [CONSOLIDATION_KIND] })).toEqual([]);
    await ledger.close();
    await memory.close();
  });
});
