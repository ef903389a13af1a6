import type { Signer } from '@karnel/core';

/**
 * What this package needs from a ledger: a signed, append-only record. `@karnel/ledger`'s
 * `openLedger(dir)` returns a value that satisfies it; any other audit sink with the same
 * method can be passed instead.
 */
export interface PolicyLedger {
  /** Appends `{ type, body }`, signed by `options.signer` when given. */
  append(
    record: { type: string; body: Record<string, unknown> },
    options?: { signer?: Signer },
  ): Promise<unknown>;
}

/** The ledger record types this package writes. */
export const POLICY_RECORD_TYPES = [
  'approval.requested',
  'approval.approved',
  'approval.denied',
  'approval.expired',
  'approval.cancelled',
  'approval.rejected',
  'approval.executed',
  'safe_mode.entered',
  'safe_mode.exited',
  'grant.issued',
  'grant.revoked',
] as const;

/** One of {@link POLICY_RECORD_TYPES}. */
export type PolicyRecordType = (typeof POLICY_RECORD_TYPES)[number];
