import { join } from 'node:path';
import { type Clock, escapeTerminalText, readFileInside, systemClock } from '@karnel/core';
import { GOAL_STATUSES, loadGoals, updateGoalStatus } from '@karnel/goals';
import type { Ledger } from '@karnel/ledger';
import { resolveComponent, validateGroupDir } from '@karnel/manifest';
import { createFileMemory, strategicUpdateSchema } from '@karnel/memory';
import { openPolicyDirectory, type Policy } from '@karnel/policy';
import { generateText, isStepCount, type LanguageModel, tool } from 'ai';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import {
  createReviewHistory,
  type ReviewHorizon,
  type ReviewWindow,
  STRATEGIC_REVIEW_RECORD,
} from './review-history';
import { reviewModelCost } from './review-payment';
import { reviewedFilesDigest } from './review-schedule';

export { STRATEGIC_REVIEW_RECORD } from './review-history';

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
  readonly horizon?: ReviewHorizon;
  /** The most model steps. Default 8. */
  readonly maxSteps?: number;
  /** The most output tokens per call (the review's own budget line). Default 4 000. */
  readonly maxOutputTokens?: number;
  /** The clock. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * What the ledger recorded since the last review of this horizon. Default: folded from
   * `ledger` (the runtime passes the window its ledger history already folded).
   */
  readonly window?: ReviewWindow;
  /** The review's run, when the runtime runs it as one: named in its `review.strategic` record. */
  readonly runId?: string;
  /**
   * Whether this call appends the `review.strategic` record itself. Default `true`. The runtime
   * passes `false` and appends it after the review run's outcome ({@link strategicReviewRecord}),
   * so that the review's own run is never a change for the next review.
   */
  readonly record?: boolean;
  /** Aborts the review's model calls. */
  readonly signal?: AbortSignal;
  /**
   * The group policy each change is decided by first, as the reviewer (`goal.update:<id>`,
   * `memory.write`): anything but `allow` refuses the change. Default: none (the caller gates).
   * The runtime passes the policy its runs use.
   */
  readonly gate?: Policy;
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
  /** Model calls made. */
  readonly steps: number;
  /** Changes the policy refused, one line each. */
  readonly refused: readonly string[];
  /** The exact cost of its model calls, a decimal (`providerMetadata.karnel.cost`). */
  readonly cost: string;
  /** Why it was skipped, when it was. */
  readonly skipped?: string;
  /** The digest of the reviewed files after it (see `reviewedFilesDigest`). */
  readonly state: string;
}

/**
 * One line per finished run, from its `runs/<id>/outcome.yaml` (the chain committed its bytes;
 * `verifyLedger` checks them): member, status, cost and the start of its summary.
 */
async function finishedRuns(ledgerDir: string, runIds: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const runId of runIds) {
    // Inside the ledger folder only: an outcome linked elsewhere is not quoted to the model.
    const text = await readFileInside(ledgerDir, join(ledgerDir, 'runs', runId, 'outcome.yaml'))
      .then((bytes) => bytes.toString('utf8'))
      .catch(() => undefined);
    if (text === undefined) continue;
    let outcome: Record<string, unknown> = {};
    try {
      const parsed: unknown = parse(text);
      if (parsed && typeof parsed === 'object') outcome = parsed as Record<string, unknown>;
    } catch {
      continue;
    }
    const summary = typeof outcome.summary === 'string' ? `: ${outcome.summary.slice(0, 200)}` : '';
    lines.push(
      `- ${runId} of ${String(outcome.member ?? '?')} ${String(outcome.status ?? '?')}, cost ${String(outcome.cost ?? '?')}${summary}`,
    );
  }
  return lines;
}

/**
 * Why a scheduled review would be skipped now, or `undefined` when it must run: it is skipped
 * when an earlier review of its horizon ran, nothing that counts as a change was recorded since
 * (see `ReviewHistory`), and the reviewed files are byte for byte what that review left. Decided
 * from the ledger and the group directory alone, with no model call.
 */
export function reviewSkipReason(window: ReviewWindow, state: string): string | undefined {
  const base = window.base;
  if (!base) return window.changes === 0 ? 'nothing recorded yet' : undefined;
  if (window.changes > 0 || base.state !== state) return undefined;
  return `nothing recorded since the review of ${base.at} and the goals, strategic memory, manifest, policy and treasury files are unchanged`;
}

/** The body of the `review.strategic` record of `review`. */
export function strategicReviewRecord(
  review: StrategicReview,
  input: { readonly horizon: ReviewHorizon; readonly reviewer: string; readonly runId?: string },
): Record<string, unknown> {
  return {
    horizon: input.horizon,
    status: review.status,
    reviewer: input.reviewer,
    ...(input.runId ? { runId: input.runId } : {}),
    ...(review.skipped ? { reason: review.skipped } : {}),
    state: review.state,
    ...(review.status === 'reviewed'
      ? {
          goals: [...review.goals],
          memory_updates: review.memoryUpdates,
          proposals: [...review.proposals],
          ...(review.refused.length > 0 ? { refused: [...review.refused] } : {}),
          ...(review.messagesPerOutcome !== undefined
            ? { messages_per_outcome: review.messagesPerOutcome }
            : {}),
          tokens: review.tokens,
          cost: review.cost,
        }
      : {}),
  };
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
  runId,
  record = true,
  ...options
}: StrategicReviewOptions): Promise<StrategicReview> {
  let window = options.window;
  if (!window) {
    const folded = createReviewHistory();
    for await (const entry of ledger.entries()) folded.observe(entry);
    window = folded.window(horizon);
  }
  const { messages, outcomes, activity, finished } = window;
  const finish = async (review: StrategicReview) => {
    if (record)
      await ledger.append({
        type: STRATEGIC_REVIEW_RECORD,
        body: strategicReviewRecord(review, { horizon, reviewer, ...(runId ? { runId } : {}) }),
      });
    return review;
  };
  const before = await reviewedFilesDigest(dir);
  const skipped = reviewSkipReason(window, before);
  if (skipped !== undefined)
    return finish({
      status: 'skipped',
      goals: [],
      memoryUpdates: 0,
      proposals: [],
      tokens: 0,
      steps: 0,
      refused: [],
      cost: '0',
      skipped,
      state: before,
    });
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
    // Confined to the group: a memory file a symlink leads out of it is never read.
    root: dir,
  });
  const policy = await openPolicyDirectory(dir, { ledger, clock });
  const goalChanges: string[] = [];
  const proposals: string[] = [];
  const refused: string[] = [];
  let memoryUpdates = 0;
  /** The policy's word on a change: `undefined` when allowed, else what the model is told. */
  const gated = (capability: string, action: unknown) => {
    const decision = options.gate?.decide({ actor: reviewer, capability, action });
    if (!decision || decision.effect === 'allow') return undefined;
    const why = `${capability} ${decision.effect === 'deny' ? 'is denied' : "needs the owner's approval"}: ${decision.reason}`;
    refused.push(why);
    return { refused: why };
  };
  try {
    const loaded = await loadGoals(goalsPath, { roles, root: dir });
    // A goals file that a symlink leads out of the group is not read; the review says so.
    for (const diagnostic of loaded.diagnostics)
      if (diagnostic.code === 'file/outside-root') refused.push(diagnostic.message);
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
          const gate = gated(`goal.update:${goal}`, { tool: 'set_goal_status', goal, status });
          if (gate) return gate;
          const result = await updateGoalStatus(goalsPath, goal, status, reason, {
            clock,
            root: dir,
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
          const gate = gated('memory.write', { tool: 'update_strategic_memory', updates });
          if (gate) return gate;
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
      'Runs finished since the last review (their outcomes):',
      ...(await finishedRuns(ledger.dir, finished.slice(-30))),
    ].join('\n');
    const result = await generateText({
      model,
      prompt: escapeTerminalText(prompt, { multiline: true }),
      tools,
      stopWhen: isStepCount(maxSteps),
      maxOutputTokens,
      ...(options.signal ? { abortSignal: options.signal } : {}),
    });
    const tokens = (result.totalUsage.inputTokens ?? 0) + (result.totalUsage.outputTokens ?? 0);
    const messagesPerOutcome = outcomes > 0 ? messages / outcomes : undefined;
    return await finish({
      status: 'reviewed',
      goals: goalChanges,
      memoryUpdates,
      proposals,
      ...(messagesPerOutcome !== undefined ? { messagesPerOutcome } : {}),
      tokens,
      steps: result.steps.length,
      refused,
      cost: reviewModelCost(result.steps),
      state: await reviewedFilesDigest(dir),
    });
  } finally {
    await memory.close();
  }
}
