import { recipients } from './create-message';
import { createDispatchTable, type DispatchTable } from './dispatch-table';
import type { Message } from './message-schema';
import type { Protocol } from './protocol-schema';

/** The protocol allows the message. */
export interface RouteAllowed {
  /** Always `true`. */
  readonly allowed: true;
}

/** The protocol refuses the message. */
export interface RouteRefused {
  /** Always `false`. */
  readonly allowed: false;
  /** Why, in one sentence naming the roles. */
  readonly reason: string;
}

/** Whether a message may be sent, and why not. */
export type RouteDecision = RouteAllowed | RouteRefused;

/** Options of {@link createRouter}. */
export interface CreateRouterOptions {
  /** The group's member roles. Senders and recipients must be among them. */
  roles: Iterable<string>;
}

/** Decides which messages the protocol allows. */
export interface Router {
  /** The dispatch table the router uses for tasks. */
  readonly dispatch: DispatchTable;
  /** Whether `message` may be sent. */
  check(message: Message): RouteDecision;
}

/**
 * Creates a router for a protocol (Annex C, "Routing"):
 *
 * - sender and every recipient must be member roles;
 * - a `task` needs a dispatch edge from the sender to each recipient;
 * - in a network, `info` needs an edge carrying `info`, and a `result` needs an edge carrying
 *   results or the reverse of an edge carrying tasks (answering the one who asked);
 * - `review`, `escalation` and `approval` follow review chains and escalation paths, which the
 *   protocol already names, and are always allowed between members.
 */
export function createRouter(protocol: Protocol, { roles }: CreateRouterOptions): Router {
  const roleSet = new Set(roles);
  const dispatch = createDispatchTable(protocol, { roles: roleSet });
  const network =
    protocol.coordination_type === 'network' ? (protocol.network?.edges ?? []) : undefined;
  const carries = (from: string, to: string, type: 'task' | 'result' | 'info') =>
    network!.some(
      (edge) =>
        (!edge.types || edge.types.includes(type)) &&
        ((edge.from === from && edge.to.includes(to)) ||
          (edge.bidirectional && edge.to.includes(from) && edge.from === to)),
    );
  return {
    dispatch,
    check(message) {
      if (!roleSet.has(message.from))
        return { allowed: false, reason: `sender "${message.from}" is not a member role` };
      for (const to of recipients(message)) {
        if (!roleSet.has(to))
          return { allowed: false, reason: `recipient "${to}" is not a member role` };
        if (message.type === 'task' && !dispatch.find(message.from, to)) {
          return { allowed: false, reason: `"${message.from}" may not dispatch tasks to "${to}"` };
        }
        if (network && message.type === 'info' && !carries(message.from, to, 'info')) {
          return {
            allowed: false,
            reason: `no network edge carries info from "${message.from}" to "${to}"`,
          };
        }
        if (
          network &&
          message.type === 'result' &&
          !carries(message.from, to, 'result') &&
          !carries(to, message.from, 'task')
        ) {
          return {
            allowed: false,
            reason: `no network edge carries results from "${message.from}" to "${to}"`,
          };
        }
      }
      return { allowed: true };
    },
  };
}
