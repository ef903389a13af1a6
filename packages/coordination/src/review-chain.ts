import { type Clock, systemClock } from '@karnel/core';
import { createMessage } from './create-message';
import type { MessageArchive } from './message-archive';
import type { MessageOf, MessageRefs, ReviewVerdict } from './message-schema';
import type { Money } from './money';
import type { ReviewStep } from './protocol-schema';

/** What a reviewer is told about the step it acts at. */
export interface ReviewContext {
  /** The step, as the protocol declares it. */
  readonly step: ReviewStep;
  /** Its 0-based index in the chain. */
  readonly index: number;
  /** The task whose work is reviewed. */
  readonly task: MessageOf<'task'>;
  /** What the earlier steps of this walk decided. */
  readonly previous: readonly ReviewStepResult[];
}

/** What a reviewer decides at one step. */
export interface ReviewDecision {
  /** `approve`, `reject` or `comment` (neither; the walk goes on). */
  readonly verdict: ReviewVerdict;
  /** Why, in prose. */
  readonly comments?: string;
  /** What reaching the verdict cost. */
  readonly cost?: Money;
  /** Goals and ledger entries the verdict relies on. */
  readonly refs?: MessageRefs;
}

/** Produces the verdict of a step's actor: a model call, a human prompt, a rule. */
export type Reviewer = (context: ReviewContext) => ReviewDecision | Promise<ReviewDecision>;

/** The record of one step of a walk. */
export interface ReviewStepResult {
  /** The step's 0-based index. */
  readonly index: number;
  /** The step. */
  readonly step: ReviewStep;
  /** The verdict given. */
  readonly verdict: ReviewVerdict;
  /** The review message that records it. */
  readonly message: MessageOf<'review'>;
}

/** Where a walk stopped. */
export interface ReviewStop {
  /** The 0-based index of the stopping step. */
  readonly index: number;
  /** Its actor. */
  readonly actor: string;
  /** Its action. */
  readonly action: string;
}

/** The result of {@link runReviewChain}. */
export interface ReviewChainResult {
  /** `rejected` when a blocking step rejected; `approved` otherwise. */
  readonly outcome: 'approved' | 'rejected';
  /** The steps walked, in order, up to and including the stopping one. */
  readonly steps: readonly ReviewStepResult[];
  /** The blocking step that rejected, when one did. */
  readonly stoppedAt?: ReviewStop;
  /** Every rejection given, blocking or not; non-blocking ones did not stop the walk. */
  readonly rejections: readonly ReviewStepResult[];
}

/** Options of {@link runReviewChain}. */
export interface RunReviewChainOptions {
  /** The steps, in order (a protocol's `review_chain`). */
  chain: readonly ReviewStep[];
  /** The task whose work is reviewed; its sender receives the final message. */
  task: MessageOf<'task'>;
  /** Produces each step's verdict. */
  review: Reviewer;
  /** Where each step's message is archived, as soon as the step is decided. */
  archive?: MessageArchive;
  /** Where message times come from. Default: the system clock. */
  clock?: Clock;
}

/**
 * Walks a review chain: each step's actor gives a verdict through `review`, and each verdict
 * becomes a `review` message, archived before the next step starts (a crash mid-walk still
 * leaves the decided steps on record). A rejection at a blocking step stops the walk there; a
 * rejection at a non-blocking step is recorded and the walk goes on.
 *
 * Each message goes to the next step's actor, and the last one (or the stopping one) to the
 * task's sender.
 */
export async function runReviewChain(options: RunReviewChainOptions): Promise<ReviewChainResult> {
  const { chain, task, review, archive, clock = systemClock } = options;
  const steps: ReviewStepResult[] = [];
  for (const [index, step] of chain.entries()) {
    const decision = await review({ step, index, task, previous: [...steps] });
    const stops = step.blocking && decision.verdict === 'reject';
    const next = chain[index + 1];
    const message = createMessage({
      type: 'review',
      from: step.actor,
      to: stops || !next ? task.from : next.actor,
      inReplyTo: task.id,
      clock,
      refs: decision.refs ?? task.refs,
      cost: decision.cost,
      payload: {
        task: task.id,
        step: index,
        action: step.action,
        verdict: decision.verdict,
        blocking: step.blocking,
        ...(decision.comments === undefined ? {} : { comments: decision.comments }),
      },
    });
    await archive?.archive(message);
    steps.push({ index, step, verdict: decision.verdict, message });
    if (stops) {
      return {
        outcome: 'rejected',
        steps,
        stoppedAt: { index, actor: step.actor, action: step.action },
        rejections: steps.filter((result) => result.verdict === 'reject'),
      };
    }
  }
  return {
    outcome: 'approved',
    steps,
    rejections: steps.filter((result) => result.verdict === 'reject'),
  };
}
