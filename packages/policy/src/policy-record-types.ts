/**
 * The ledger record types this package writes. The records of approvals and safe mode are not
 * only an audit trail: single use, cancellation, revocation and expiry of an approval, the
 * freshest safe-mode state and the pinned owner are read back from them.
 */
export const POLICY_RECORD_TYPES = [
  'approval.requested',
  'approval.approved',
  'approval.denied',
  'approval.expired',
  'approval.cancelled',
  'approval.revoked',
  'approval.rejected',
  'approval.executed',
  'safe_mode.entered',
  'safe_mode.exited',
  'grant.issued',
  'grant.revoked',
  'owner.pinned',
  'owner.rotated',
] as const;

/** One of {@link POLICY_RECORD_TYPES}. */
export type PolicyRecordType = (typeof POLICY_RECORD_TYPES)[number];
