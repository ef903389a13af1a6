import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createId } from '@karnel/core';
import { openLedger, verifyLedger } from '@karnel/ledger';
import { loadSkill } from '@karnel/skills';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { ownedGroupCopy } from '../migration/test-group';
import { reviewRun } from './review-run';
import { readRunTouches } from './run-touches';

/** A mock model that answers with one part per call, in order. */
function scripted(parts: readonly Record<string, unknown>[]) {
  let call = 0;
  return new MockLanguageModelV4({
    doGenerate: async () => {
      const part = parts[call++] ?? { type: 'text', text: 'no change' };
      return {
        content: [part as never],
        finishReason: { unified: part.type === 'text' ? 'stop' : 'tool-calls', raw: undefined },
        usage: {
          inputTokens: { total: 100, noCache: 100, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 20, text: 20, reasoning: 0 },
        },
        warnings: [],
      };
    },
  });
}

const call = (id: string, toolName: string, input: unknown) => ({
  type: 'tool-call',
  toolCallId: id,
  toolName,
  input: JSON.stringify(input),
});

async function setup() {
  const { dir } = await ownedGroupCopy();
  const skillsDir = join(dir, 'agents/writer/skills');
  const hub = join(skillsDir, 'hub-headlines');
  await mkdir(hub);
  await writeFile(
    join(hub, 'SKILL.md'),
    '---\nname: hub-headlines\ndescription: Headlines from a hub.\n---\n\nWrite five headlines.\n',
  );
  await writeFile(
    join(hub, 'karnel.yaml'),
    'karnel_skill_version: "0.2"\nprovenance:\n  source: "hermeshub:headlines"\n',
  );
  const ledger = await openLedger(join(dir, 'ledger'));
  return { dir, skillsDir, hub, ledger };
}

describe('per-run review', () => {
  it('authors a skill with provenance from a run that used a skill twice; never modifies a protected skill', async () => {
    const { dir, skillsDir, hub, ledger } = await setup();
    const runId = createId('run');
    await ledger.startRun({ runId });
    for (let index = 0; index < 2; index++)
      await ledger.appendStep(runId, {
        tool: 'use_skill',
        input: { name: 'draft-newsletter-issue' },
        output: { name: 'draft-newsletter-issue' },
      });
    await ledger.appendStep(runId, {
      tool: 'use_skill',
      input: { name: 'hub-headlines' },
      output: { name: 'hub-headlines' },
    });
    await ledger.finishRun(runId, { status: 'succeeded' });
    const touches = await readRunTouches(join(dir, 'ledger'), runId);
    expect(Object.fromEntries(touches.skills)).toEqual({
      'draft-newsletter-issue': 2,
      'hub-headlines': 1,
    });

    const hubBefore = await readFile(join(hub, 'SKILL.md'));
    const model = scripted([
      call('1', 'author_skill', {
        name: 'issue-outline',
        description: 'Outline a newsletter issue before drafting it.',
        instructions: '1. List the three findings.\n2. Order them by reader value.',
      }),
      call('2', 'improve_skill', {
        name: 'hub-headlines',
        instructions: 'Rewritten by the review.',
      }),
      call('3', 'improve_skill', {
        name: 'draft-newsletter-issue',
        instructions: 'Outline first, then draft.',
      }),
      { type: 'text', text: 'done' },
    ]);
    const review = await reviewRun({
      runId,
      touches,
      skillsDir,
      ledger,
      model,
      summary: 'Issue 3 drafted.',
      maxSteps: 5,
    });
    expect(review).toMatchObject({
      status: 'reviewed',
      authored: ['issue-outline'],
      updated: ['draft-newsletter-issue'],
    });
    expect(review.refused[0]).toContain('"hub-headlines" is protected');
    expect(await readFile(join(hub, 'SKILL.md'))).toEqual(hubBefore);

    const authored = await loadSkill(join(skillsDir, 'issue-outline'), { source: 'agent' });
    expect(authored.skill?.karnel?.provenance).toMatchObject({
      source: 'self-authored',
      created_by_run: runId,
    });
    expect(authored.skill?.rawFrontmatter.metadata).toEqual({
      'karnel-authored-by': 'review',
      'karnel-source-run': runId,
    });
    const improved = await loadSkill(join(skillsDir, 'draft-newsletter-issue'), {
      source: 'agent',
    });
    expect(improved.skill?.body.trim()).toBe('Outline first, then draft.');
    expect(improved.skill?.name).toBe('draft-newsletter-issue');

    const types: string[] = [];
    for await (const entry of ledger.entries({ type: 'review' })) types.push(entry.type);
    for await (const entry of ledger.entries({ type: 'skill' })) types.push(entry.type);
    expect(types.sort()).toEqual([
      'review.finished',
      'review.refused',
      'skill.authored',
      'skill.updated',
    ]);
    await ledger.close();
    expect((await verifyLedger(join(dir, 'ledger'))).ok).toBe(true);
  });

  it('skips a run that touched no skill and no memory, without a model call', async () => {
    const { ledger, skillsDir, dir } = await setup();
    const runId = createId('run');
    await ledger.startRun({ runId });
    await ledger.appendStep(runId, { tool: 'send_message', input: { to: 'critic' } });
    const touches = await readRunTouches(join(dir, 'ledger'), runId);
    const model = scripted([]);
    const review = await reviewRun({ runId, touches, skillsDir, ledger, model, summary: '' });
    expect(review.status).toBe('skipped');
    expect(model.doGenerateCalls).toHaveLength(0);
    await ledger.close();
  });
});
