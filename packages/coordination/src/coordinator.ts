import { type Clock, systemClock } from '@karnel/core';
import { createEscalationMessage } from './create-escalation';
import { createMessage } from './create-message';
import { RoutingError } from './errors';
import {
  type ConditionPredicate,
  type EscalationEvaluation,
  evaluateEscalations,
} from './evaluate-escalations';
import {
  type ArchiveReceipt,
  createMemoryArchive,
  isArchivedUnder,
  type MessageArchive,
} from './message-archive';
import type { Message, MessageOf, MessageRefs, PayloadInput } from './message-schema';
import type { Money } from './money';
import type { Protocol, ReviewStep } from './protocol-schema';
import { type ReviewChainResult, type Reviewer, runReviewChain } from './review-chain';
import { createRouter, type Router } from './route-message';

/** Options of {@link createCoordinator}. */
export interface CoordinatorOptions {
  /** The group's protocol, already validated (see {@link readProtocolFile}). */
  protocol: Protocol;
  /** The group's member roles. */
  roles: Iterable<string>;
  /**
   * Where messages are archived; the protocol's `communication.archival` decides which.
   * Default: an in-memory archive. Pass {@link createLedgerArchive} to keep them in the group
   * ledger, as the spec expects.
   */
  archive?: MessageArchive;
  /** Predicates of custom escalation conditions, by name. */
  predicates?: Readonly<Record<string, ConditionPredicate>>;
  /** Where message times come from. Default: the system clock. */
  clock?: Clock;
}

/** Options of {@link Coordinator.dispatch}. */
export interface DispatchOptions {
  /** The dispatching role. */
  from: string;
  /** The receiving role, or several. */
  to: string | readonly string[];
  /** The task; `mode` defaults to what the dispatch rule says. */
  payload: PayloadInput<'task'>;
  /** Goals and ledger entries the task serves. */
  refs?: MessageRefs;
  /** What preparing the task cost. */
  cost?: Money;
}

/** Options of {@link Coordinator.escalate}. */
export interface EscalateOptions {
  /** The role raising escalations. */
  from: string;
  /** Only consider this task. Default: every task in the history. */
  task?: string;
  /** The predicted cost of the work ahead, for `cost_overrun_predicted`. */
  predictedCost?: Money;
  /** What is left of the budget, for `cost_overrun_predicted`. */
  remainingBudget?: Money;
}

/** The result of {@link Coordinator.escalate}. */
export interface EscalationOutcome {
  /** The escalation messages sent, one per condition that held. */
  readonly messages: readonly MessageOf<'escalation'>[];
  /** The evaluation they came from, including conditions that could not be evaluated. */
  readonly evaluation: EscalationEvaluation;
}

/** A group's protocol in action: routes, archives, walks review chains, escalates. */
export interface Coordinator {
  /** The protocol. */
  readonly protocol: Protocol;
  /** The router deciding which messages are allowed. */
  readonly router: Router;
  /** The review chain of the protocol's coordination type. */
  readonly reviewChain: readonly ReviewStep[];
  /**
   * Sends a message: checks its route and archives it under the protocol's archival policy.
   *
   * @throws RoutingError when the protocol does not allow it.
   */
  send(message: Message): Promise<ArchiveReceipt>;
  /**
   * Creates and sends a `task`.
   *
   * @throws RoutingError when `from` may not dispatch to a recipient.
   */
  dispatch(options: DispatchOptions): Promise<MessageOf<'task'>>;
  /** Walks the protocol's review chain for a task, sending every step's message. */
  review(task: MessageOf<'task'>, reviewer: Reviewer): Promise<ReviewChainResult>;
  /** Evaluates the escalation paths over the history and sends a message for each that holds. */
  escalate(options: EscalateOptions): Promise<EscalationOutcome>;
  /**
   * Every message so far, oldest first: the archive's, plus those this coordinator sent that
   * the archival policy kept out of it.
   */
  history(): Promise<readonly Message[]>;
}

/** Creates a {@link Coordinator}. */
export function createCoordinator(options: CoordinatorOptions): Coordinator {
  const {
    protocol,
    archive = createMemoryArchive(),
    predicates = {},
    clock = systemClock,
  } = options;
  const roles = [...options.roles];
  const router = createRouter(protocol, { roles });
  const unarchived: Message[] = [];
  const reviewChain = protocol[protocol.coordination_type]?.review_chain ?? [];

  const send = async (message: Message): Promise<ArchiveReceipt> => {
    const decision = router.check(message);
    if (!decision.allowed)
      throw new RoutingError({ messageId: message.id, reason: decision.reason });
    if (isArchivedUnder(protocol.communication.archival, message)) return archive.archive(message);
    unarchived.push(message);
    return { archived: false };
  };

  const history = async (): Promise<readonly Message[]> => {
    // Stable sort: messages with the same time keep the archive's order.
    const all = [...(await archive.messages()), ...unarchived];
    return all.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  };

  return {
    protocol,
    router,
    reviewChain,
    send,
    history,
    async dispatch({ from, to, payload, refs, cost }) {
      const targets = typeof to === 'string' ? [to] : to;
      const mode = payload.mode ?? router.dispatch.find(from, targets[0] ?? '')?.mode;
      const message = createMessage({
        type: 'task',
        from,
        to,
        clock,
        payload: mode === undefined ? payload : { ...payload, mode },
        ...(refs === undefined ? {} : { refs }),
        ...(cost === undefined ? {} : { cost }),
      });
      await send(message);
      return message;
    },
    review(task, reviewer) {
      return runReviewChain({
        chain: reviewChain,
        task,
        review: reviewer,
        clock,
        archive: {
          specificationVersion: 'v1',
          archive: send,
          messages: history,
        },
      });
    },
    async escalate({ from, task, predictedCost, remainingBudget }) {
      const evaluation = await evaluateEscalations({
        paths: protocol.escalation_paths,
        history: await history(),
        predicates,
        ...(task === undefined ? {} : { task }),
        ...(predictedCost === undefined ? {} : { predictedCost }),
        ...(remainingBudget === undefined ? {} : { remainingBudget }),
      });
      const messages: MessageOf<'escalation'>[] = [];
      for (const trigger of evaluation.triggers) {
        const message = createEscalationMessage(trigger, { from, clock });
        await send(message);
        messages.push(message);
      }
      return { messages, evaluation };
    },
  };
}
