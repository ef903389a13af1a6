import { join } from 'node:path';
import { type Clock, escapeTerminalText, systemClock } from '@karnel/core';
import { GOAL_STATUSES, loadGoals, updateGoalStatus } from '@karnel/goals';
import type { Ledger } from '@karnel/ledger';
import { resolveComponent, validateGroupDir } from '@karnel/manifest';
import { createFileMemory, strategicUpdateSchema } from '@karnel/memory';
import { openPolicyDirectory } from '@karnel/policy';
import { generateText, isStepCount, type LanguageModel, tool } from 'ai';
import { stringify } from 'yaml';
import { z } from 'zod';

/** The ledger record a scheduled review leaves. */
export const STRATEGIC_REVIEW_RECORD = 'review.strategic';

/** Options of {@link strategicReview}. */
export interface StrategicReviewOptions {
  /** The group directory. */
  readonly dir: string;
  /** The group ledger (records, approvals); the caller opens and closes it. */
  readonly ledger: Ledger;
  /** The reviewer's model (the strategist's tier). */
  readonly model: LanguageModel;
  /** The reviewing role. Default `strategist`. */
  readonly reviewer?: string;
  /** `weekly` (strategic review) or `monthly` (meta-review). Default `weekly`. */
  readonly horizon?: 'weekly' | 'monthly';
  /** The most model steps. Default 8. */
  readonly maxSteps?: number;
  /** The most output tokens per call (the review's own budget line). Default 4 000. */
  readonly maxOutputTokens?: number;
  /** The clock. Default: the system clock. */
  readonly clock?: Clock;
}

/** What a scheduled review did. */
export interface StrategicReview {
  /** `skipped` when nothing was recorded since the last review of this horizon (no model call). */
  readonly status: 'reviewed' | 'skipped';
  /** Goals whose status changed: `id: before → after`. */
  readonly goals: readonly string[];
  /** Strategic memory updates applied. */
  readonly memoryUpdates: number;
  /** Roster changes proposed, each an approval request waiting for the owner's signature. */
  readonly proposals: readonly string[];
  /** Coordination overhead for the meta-review: messages logged per outcome since the last review. */
  readonly messagesPerOutcome?: number;
  /** Tokens used. */
  readonly tokens: number;
}

/**
 * The weekly strategic review (or the monthly meta-review) of a group (spec Layer 4), run by
 * the strategist: it is a run like any other, given the goals (`goals/current.yaml`), strategic
 * memory, the roster and what the ledger recorded since the last review, with three tools —
 * set a goal's status (the goals file keeps its comments; the change goes to its history),
 * apply typed strategic memory updates (every revision kept), and propose a roster change,
 * which becomes an approval request the owner must sign before anything changes. Skipped at
 * zero cost, without a model call, when the ledger recorded nothing since the last review.
 */
export async function strategicReview({
  dir,
  ledger,
  model,
  reviewer = 'strategist',
  horizon = 'weekly',
  maxSteps = 8,
  maxOutputTokens = 4000,
  clock = systemClock,
}: StrategicReviewOptions): Promise<StrategicReview> {
  let lastReview = -1;
  let lastSeq = -1;
  let messages = 0;
  let outcomes = 0;
  const activity: string[] = [];
  for await (const entry of ledger.entries()) {
    lastSeq = entry.seq;
    if (entry.type === STRATEGIC_REVIEW_RECORD && entry.body.horizon === horizon) {
      lastReview = entry.seq;
      messages = 0;
      outcomes = 0;
      activity.length = 0;
      continue;
    }
    if (entry.type === 'coordination.logged') messages += 1;
    if (entry.type === 'outcome.recorded' || entry.type === 'run.finished') outcomes += 1;
    if (
      entry.type === 'run.finished' ||
      entry.type === 'outcome.recorded' ||
      entry.type === 'decision.recorded'
    )
      activity.push(`${entry.time} ${entry.type} ${JSON.stringify(entry.body).slice(0, 200)}`);
  }
  const changedSince = lastSeq > lastReview && activity.length + messages > 0;
  if (!changedSince) {
    await ledger.append({
      type: STRATEGIC_REVIEW_RECORD,
      body: {
        horizon,
        status: 'skipped',
        reason: 'nothing recorded since the last review',
        reviewer,
      },
    });
    return { status: 'skipped', goals: [], memoryUpdates: 0, proposals: [], tokens: 0 };
  }
  const goalsPath = join(dir, 'goals', 'current.yaml');
  const group = await validateGroupDir(dir);
  const roles = group.roles;
  const memoryDir = await resolveComponent(dir, 'memory');
  if (!memoryDir.ok) throw new Error('the group has no memory folder');
  const memory = createFileMemory({
    dir: memoryDir.path,
    group: true,
    strategicWriters: [reviewer],
    writer: { role: reviewer },
    clock,
  });
  const policy = await openPolicyDirectory(dir, { ledger, clock });
  const goalChanges: string[] = [];
  const proposals: string[] = [];
  let memoryUpdates = 0;
  try {
    const loaded = await loadGoals(goalsPath, { roles });
    const strategic = await memory.readStrategic();
    const tools = {
      set_goal_status: tool({
        description: 'Set the status of a goal (advanced, stalled, blocked …) with the reason.',
        inputSchema: z.strictObject({
          goal: z.string(),
          status: z.enum(GOAL_STATUSES),
          reason: z.string().min(1),
          blocker: z.string().optional(),
        }),
        execute: async ({ goal, status, reason, blocker }) => {
          const result = await updateGoalStatus(goalsPath, goal, status, reason, {
            clock,
            actor: reviewer,
            ...(blocker ? { blocker } : {}),
          });
          if (result.changed && result.change)
            goalChanges.push(`${goal}: ${result.change.from} → ${result.change.to}`);
          return { changed: result.changed };
        },
      }),
      update_strategic_memory: tool({
        description:
          'Apply typed updates to strategic memory: evidence, confidence, new or retired hypotheses, priors.',
        inputSchema: z.strictObject({ updates: z.array(strategicUpdateSchema).min(1) }),
        execute: async ({ updates }) => {
          const revision = await memory.updateStrategic(updates, {
            reason: `${horizon} strategic review`,
          });
          memoryUpdates += updates.length;
          return { revision: revision.revision };
        },
      }),
      propose_roster_change: tool({
        description: 'Propose adding, removing or replacing a member. The owner decides.',
        inputSchema: z.strictObject({
          change: z.enum(['add', 'remove', 'replace']),
          role: z.string().min(1),
          reason: z.string().min(1),
        }),
        execute: async ({ change, role, reason }) => {
          const request = await policy.approvals.request({
            actor: reviewer,
            capability: `roster.change:${role}`,
            action: { type: 'roster.change', change, role },
            reason,
          });
          proposals.push(request.id);
          return { approval: request.id, status: 'waiting for the owner' };
        },
      }),
    };
    const prompt = [
      `${horizon === 'weekly' ? 'Weekly strategic review' : 'Monthly meta-review'} of the group, as ${reviewer}.`,
      horizon === 'monthly'
        ? `Check mission alignment, coordination overhead (${messages} messages for ${outcomes} outcomes since the last review) and the allocation rules.`
        : 'Which goals advanced, which stalled? What evidence accumulated for each hypothesis? Any member underperforming? Was the budget well spent?',
      '',
      'Goals (goals/current.yaml):',
      loaded.goals ? stringify(loaded.goals) : '(the goals file has errors)',
      'Strategic memory:',
      stringify(strategic),
      `Roster: ${roles.join(', ')}`,
      'Recorded since the last review:',
      ...activity.slice(-100),
    ].join('\n');
    const result = await generateText({
      model,
      prompt: escapeTerminalText(prompt, { multiline: true }),
      tools,
      stopWhen: isStepCount(maxSteps),
      maxOutputTokens,
    });
    const tokens = (result.totalUsage.inputTokens ?? 0) + (result.totalUsage.outputTokens ?? 0);
    const messagesPerOutcome = outcomes > 0 ? messages / outcomes : undefined;
    await ledger.append({
      type: STRATEGIC_REVIEW_RECORD,
      body: {
        horizon,
        status: 'reviewed',
        reviewer,
        goals: goalChanges,
        memory_updates: memoryUpdates,
        proposals,
        ...(messagesPerOutcome !== undefined ? { messages_per_outcome: messagesPerOutcome } : {}),
        tokens,
      },
    });
    return {
      status: 'reviewed',
      goals: goalChanges,
      memoryUpdates,
      proposals,
      ...(messagesPerOutcome !== undefined ? { messagesPerOutcome } : {}),
      tokens,
    };
  } finally {
    await memory.close();
  }
}
