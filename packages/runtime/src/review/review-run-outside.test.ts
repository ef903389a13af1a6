import { readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createId } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { ownedGroupCopy } from '../migration/test-group';
import { reviewRun } from './review-run';
import { readRunTouches } from './run-touches';

const SECRET = 'SECRET-KEY-MATERIAL-91c2';

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

describe('per-run review of a skill file swapped for a symlink out of the group', () => {
  it('refuses improve_skill, naming the file: the linked text is neither read nor copied into the group', async () => {
    const { dir } = await ownedGroupCopy();
    const skillsDir = join(dir, 'agents/writer/skills');
    const skillMd = join(skillsDir, 'draft-newsletter-issue', 'SKILL.md');
    const outside = join(dir, '..', 'outside-SKILL.md');
    // The genuine frontmatter with a secret in it, outside the group, linked in its place.
    const original = await readFile(skillMd, 'utf8');
    const linked = original.replace(/^---\n/, `---\n# ${SECRET}\n`);
    await writeFile(outside, linked);
    await rm(skillMd);
    await symlink(outside, skillMd);

    const ledger = await openLedger(join(dir, 'ledger'));
    const runId = createId('run');
    await ledger.startRun({ runId });
    await ledger.appendStep(runId, {
      tool: 'use_skill',
      input: { name: 'draft-newsletter-issue' },
      output: { name: 'draft-newsletter-issue' },
    });
    await ledger.finishRun(runId, { status: 'succeeded' });
    const touches = await readRunTouches(join(dir, 'ledger'), runId);
    const model = scripted([
      {
        type: 'tool-call',
        toolCallId: '1',
        toolName: 'improve_skill',
        input: JSON.stringify({ name: 'draft-newsletter-issue', instructions: 'Shorter.' }),
      },
      { type: 'text', text: 'done' },
    ]);
    const review = await reviewRun({
      runId,
      touches,
      skillsDir,
      ledger,
      model,
      summary: 'Issue drafted.',
      root: dir,
    });
    await ledger.close();
    expect(review.updated).toEqual([]);
    expect(review.refused).toHaveLength(1);
    expect(review.refused[0]).toContain(
      '"agents/writer/skills/draft-newsletter-issue/SKILL.md" leads outside',
    );
    expect(review.refused[0]).not.toContain(SECRET);
    // The link is still a link to the untouched file: nothing was rewritten or copied in.
    expect(await readFile(outside, 'utf8')).toBe(linked);
    const prompts = JSON.stringify(model.doGenerateCalls.map((call) => call.prompt));
    expect(prompts).not.toContain(SECRET);
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('refuses author_skill into a skills folder symlinked out of the group: nothing written there', async () => {
    const { dir } = await ownedGroupCopy();
    const skillsDir = join(dir, 'agents/writer/skills');
    const elsewhere = join(dir, '..', 'elsewhere-skills');
    await rename(skillsDir, elsewhere);
    await symlink(elsewhere, skillsDir);
    const ledger = await openLedger(join(dir, 'ledger'));
    const runId = createId('run');
    await ledger.startRun({ runId });
    await ledger.appendStep(runId, {
      tool: 'use_skill',
      input: { name: 'draft-newsletter-issue' },
      output: { name: 'draft-newsletter-issue' },
    });
    await ledger.finishRun(runId, { status: 'succeeded' });
    const touches = await readRunTouches(join(dir, 'ledger'), runId);
    const model = scripted([
      {
        type: 'tool-call',
        toolCallId: '1',
        toolName: 'author_skill',
        input: JSON.stringify({
          name: 'issue-outline',
          description: 'Outline an issue.',
          instructions: 'List the findings.',
        }),
      },
      { type: 'text', text: 'done' },
    ]);
    const review = await reviewRun({
      runId,
      touches,
      skillsDir,
      ledger,
      model,
      summary: 'Issue drafted.',
      root: dir,
    });
    await ledger.close();
    expect(review.authored).toEqual([]);
    expect(review.refused[0]).toContain('leads outside');
    expect(await readdir(elsewhere)).not.toContain('issue-outline');
    await rm(join(dir, '..'), { recursive: true, force: true });
  });
});
