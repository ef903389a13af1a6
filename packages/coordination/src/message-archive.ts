import type { Message } from './message-schema';
import type { ArchivalPolicy } from './protocol-schema';

/** What archiving one message did. */
export interface ArchiveReceipt {
  /** Whether the message was written (the archival policy may skip it). */
  readonly archived: boolean;
  /** Where it was written, when the archive has addresses (a ledger entry id or hash). */
  readonly entry?: string;
}

/**
 * Where coordination messages are kept. The group ledger is the archive the spec asks for
 * ({@link createLedgerArchive}); {@link createMemoryArchive} keeps them in memory for groups
 * whose protocol archives nothing, and for embedding.
 */
export interface MessageArchive {
  /** The version of this interface. */
  readonly specificationVersion: 'v1';
  /** Records a message, subject to the archive's policy. */
  archive(message: Message): Promise<ArchiveReceipt>;
  /** Every archived message, oldest first. */
  messages(): Promise<readonly Message[]>;
}

const decisionTypes = new Set<Message['type']>(['review', 'escalation', 'approval']);

/**
 * Whether `policy` keeps `message`: `all_messages_to_ledger` keeps everything,
 * `decisions_only` keeps reviews, escalations and approvals, `none` keeps nothing.
 */
export function isArchivedUnder(policy: ArchivalPolicy, message: Message): boolean {
  if (policy === 'all_messages_to_ledger') return true;
  if (policy === 'decisions_only') return decisionTypes.has(message.type);
  return false;
}

/** Options of {@link createMemoryArchive}. */
export interface MemoryArchiveOptions {
  /** Which messages to keep. Default `all_messages_to_ledger` (everything). */
  policy?: ArchivalPolicy;
}

/** Creates a {@link MessageArchive} that keeps messages in memory for the life of the process. */
export function createMemoryArchive({
  policy = 'all_messages_to_ledger',
}: MemoryArchiveOptions = {}): MessageArchive {
  const kept: Message[] = [];
  return {
    specificationVersion: 'v1',
    async archive(message) {
      if (!isArchivedUnder(policy, message)) return { archived: false };
      kept.push(structuredClone(message));
      return { archived: true };
    },
    async messages() {
      return kept.map((message) => structuredClone(message));
    },
  };
}
