import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openLedger } from '@karnel/ledger';
import { createFileMemory } from '@karnel/memory';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { ownedGroupCopy } from '../migration/test-group';
import { strategicReview } from './strategic-review';

function scripted(parts: readonly Record<string, unknown>[]) {
  let call = 0;
  return new MockLanguageModelV4({
    doGenerate: async () => {
      const part = parts[call++] ?? { type: 'text', text: 'review done' };
      return {
        content: [part as never],
        finishReason: { unified: part.type === 'text' ? 'stop' : 'tool-calls', raw: undefined },
        usage: {
          inputTokens: { total: 500, noCache: 500, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 50, text: 50, reasoning: 0 },
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

describe('weekly strategic review', () => {
  it('updates goals (keeping their comments) and strategic memory (with history); a roster change waits for approval; skipped when nothing changed', async () => {
    const { dir, owner } = await ownedGroupCopy();
    const goalsPath = join(dir, 'goals/current.yaml');
    const strategicPath = join(dir, 'memory/strategic.yaml');
    await writeFile(
      goalsPath,
      `# The owner's goals: edited by hand too.\n${await readFile(goalsPath, 'utf8')}`,
    );
    await writeFile(
      strategicPath,
      `# What we believe, and why.\n${await readFile(strategicPath, 'utf8')}`,
    );
    const ledger = await openLedger(join(dir, 'ledger'), { signer: owner });
    const { runId } = await ledger.startRun({ manifest: { member: 'writer' } });
    await ledger.finishRun(runId, {
      member: 'writer',
      status: 'succeeded',
      cost: '0.02',
      summary: 'issue 4 published',
    });
    await ledger.appendCoordination({ from: 'writer', to: 'critic', type: 'review_request' });

    const model = scripted([
      call('1', 'set_goal_status', {
        goal: 'g_subs_referral',
        status: 'active',
        reason: 'the owner decided: build the referral page',
      }),
      call('2', 'update_strategic_memory', {
        updates: [
          {
            type: 'record-evidence',
            hypothesis: 'hyp_01KRB7NC802FRVTGG8607P23S1',
            direction: 'for',
            refs: [`ledger/runs/${runId}`],
          },
          { type: 'set-confidence', hypothesis: 'hyp_01KRB7NC802FRVTGG8607P23S1', confidence: 0.6 },
        ],
      }),
      call('3', 'propose_roster_change', {
        change: 'add',
        role: 'seo_specialist',
        reason: 'traffic stalled',
      }),
      {
        type: 'text',
        text: 'Referral unblocked; code issues forward better; an SEO specialist would help.',
      },
    ]);
    const review = await strategicReview({ dir, ledger, model });
    expect(review).toMatchObject({
      status: 'reviewed',
      goals: ['g_subs_referral: blocked → active'],
      memoryUpdates: 2,
    });
    expect(review.proposals).toHaveLength(1);
    // The reviewer was shown what each run since the last review came to, from its outcome.
    expect(JSON.stringify(model.doGenerateCalls[0]?.prompt)).toContain(
      `- ${runId} of writer succeeded, cost 0.02: issue 4 published`,
    );

    const goals = await readFile(goalsPath, 'utf8');
    expect(goals.startsWith("# The owner's goals: edited by hand too.\n")).toBe(true);
    expect(goals).not.toContain('owner_decision_pending');
    const strategic = await readFile(strategicPath, 'utf8');
    // @karnel/memory edits strategic.yaml in place, keeping the comment; every revision is kept
    // in its history, with the review as the reason.
    expect(strategic.startsWith('# What we believe, and why.\n')).toBe(true);
    const memory = createFileMemory({ dir: join(dir, 'memory') });
    const history = await memory.strategicHistory();
    await memory.close();
    expect(history.at(-1)).toMatchObject({ reason: 'weekly strategic review' });
    expect(strategic).toMatch(/confidence: 0\.6/);
    expect(strategic).toContain(`ledger/runs/${runId}`);

    // The roster change is a pending approval request: nothing changed in the roster.
    const approvals = [];
    for await (const entry of ledger.entries({ type: 'approval' })) approvals.push(entry);
    expect(approvals.map((entry) => entry.type)).toEqual(['approval.requested']);
    expect(approvals[0]?.body).toMatchObject({ capability: 'roster.change:seo_specialist' });
    expect(await readFile(join(dir, 'manifest.yaml'), 'utf8')).not.toContain('seo_specialist');

    // Nothing recorded since: the next review is skipped without a model call.
    const idle = scripted([]);
    expect((await strategicReview({ dir, ledger, model: idle })).status).toBe('skipped');
    expect(idle.doGenerateCalls).toHaveLength(0);
    await ledger.close();
  });
});
