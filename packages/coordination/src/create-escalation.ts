import { type Clock, systemClock } from '@karnel/core';
import { createMessage } from './create-message';
import type { EscalationTrigger } from './evaluate-escalations';
import type { MessageOf, MessageRefs } from './message-schema';

/** Options of {@link createEscalationMessage}. */
export interface CreateEscalationMessageOptions {
  /** The role raising the escalation. */
  from: string;
  /** Goals and ledger entries the escalation concerns. */
  refs?: MessageRefs;
  /** Where the message time comes from. Default: the system clock. */
  clock?: Clock;
}

/** Turns a trigger into the `escalation` message sent to the path's role. */
export function createEscalationMessage(
  trigger: EscalationTrigger,
  { from, refs, clock = systemClock }: CreateEscalationMessageOptions,
): MessageOf<'escalation'> {
  return createMessage({
    type: 'escalation',
    from,
    to: trigger.to,
    clock,
    ...(trigger.task === undefined ? {} : { inReplyTo: trigger.task }),
    ...(refs === undefined ? {} : { refs }),
    payload: {
      condition: trigger.condition,
      reason: trigger.reason,
      evidence: [...trigger.evidence],
      ...(trigger.task === undefined ? {} : { task: trigger.task }),
      ...(trigger.predictedCost === undefined ? {} : { predicted_cost: trigger.predictedCost }),
      ...(trigger.remainingBudget === undefined
        ? {}
        : { remaining_budget: trigger.remainingBudget }),
    },
  });
}
