import type { AuditLog, LedgerRecord } from '@karnel/core';

/** The ledger record types an adapter writes (Annex B, section 4). */
export const ADAPTER_RECORD_TYPES = {
  /** The member was handed a message under a run id. */
  invoked: 'adapter.invoked',
  /** Something happened while the member worked (a Hermes event, a retry, a notification). */
  progress: 'adapter.progress',
  /** The member's final answer under a run id; at most one per run id. */
  outcome: 'adapter.outcome',
  /** What the invocation cost, in exact money. */
  cost: 'adapter.cost',
  /** The invocation could not be completed; a later invocation under the run id may retry. */
  error: 'adapter.error',
} as const;

/** One of the values of {@link ADAPTER_RECORD_TYPES}. */
export type AdapterRecordType = (typeof ADAPTER_RECORD_TYPES)[keyof typeof ADAPTER_RECORD_TYPES];

/** Writes an adapter's records for one member; a no-op without a ledger. */
export interface AdapterRecorder {
  /** Appends a record of `type` for `runId`; the role and adapter type are added to the body. */
  write(type: AdapterRecordType, runId: string, body: Record<string, unknown>): Promise<void>;
}

/** Creates the {@link AdapterRecorder} of one member. */
export function createAdapterRecorder(options: {
  /** Where records go; nothing is written when absent. */
  readonly ledger?: AuditLog;
  /** The member's role. */
  readonly role: string;
  /** The adapter type. */
  readonly adapter: string;
}): AdapterRecorder {
  const { ledger, role, adapter } = options;
  return {
    async write(type, runId, body) {
      if (!ledger) return;
      const record: LedgerRecord = {
        type,
        body: JSON.parse(JSON.stringify({ run_id: runId, role, adapter, ...body })),
      };
      await ledger.append(record);
    },
  };
}
