import type { Message, MessageOf } from './message-schema';
import type { Consensus } from './protocol-schema';

/** Options of {@link tallyConsensus}. */
export interface TallyConsensusOptions {
  /** The flat protocol's `consensus` rule. */
  consensus: Consensus;
  /** The voters when the rule names none: the peers (the group's roles by default). */
  peers: readonly string[];
  /** The `approval` message with decision `requested` that opened the vote. */
  request: MessageOf<'approval'>;
  /** The history to count answers in; only answers to `request` count. */
  history: readonly Message[];
}

/** The state of a vote. */
export interface ConsensusTally {
  /** `granted` or `denied` once settled either way; `pending` while it can still go both ways. */
  readonly outcome: 'granted' | 'denied' | 'pending';
  /** How many grants the rule needs. */
  readonly needed: number;
  /** Voters who granted, in the order they answered. */
  readonly granted: readonly string[];
  /** Voters who denied. */
  readonly denied: readonly string[];
  /** Voters who have not answered. */
  readonly waiting: readonly string[];
}

/**
 * Counts the answers to an approval request under a flat group's consensus rule. Each voter's
 * latest answer counts; answers from roles that are not voters are ignored. The vote is
 * `granted` once enough voters granted, `denied` once too few voters are left to reach the
 * number needed, and `pending` otherwise.
 */
export function tallyConsensus({
  consensus,
  peers,
  request,
  history,
}: TallyConsensusOptions): ConsensusTally {
  const voters = [...new Set(consensus.voters ?? peers)];
  const needed =
    consensus.rule === 'any'
      ? 1
      : consensus.rule === 'unanimous'
        ? voters.length
        : consensus.rule === 'quorum'
          ? (consensus.quorum ?? voters.length)
          : Math.floor(voters.length / 2) + 1;
  const answers = new Map<string, 'granted' | 'denied'>();
  for (const message of history) {
    if (message.type !== 'approval' || message.payload.request !== request.id) continue;
    if (!voters.includes(message.from)) continue;
    const decision = message.payload.decision;
    if (decision === 'requested') continue;
    answers.delete(message.from);
    answers.set(message.from, decision);
  }
  const granted = [...answers]
    .filter(([, decision]) => decision === 'granted')
    .map(([role]) => role);
  const denied = [...answers].filter(([, decision]) => decision === 'denied').map(([role]) => role);
  const waiting = voters.filter((voter) => !answers.has(voter));
  const outcome =
    granted.length >= needed
      ? 'granted'
      : granted.length + waiting.length < needed
        ? 'denied'
        : 'pending';
  return { outcome, needed, granted, denied, waiting };
}
