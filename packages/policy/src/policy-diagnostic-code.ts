/**
 * Every stable code this package puts on a diagnostic or an error, `area/name`. Tools can switch
 * on them; the text of a message may change, a code does not.
 *
 * - `policy/…`: a policy file or a policy directory.
 * - `capability/…`: a capability string.
 * - `constraint/…`: a manifest's hard constraints as gates.
 * - `approval/…`: an approval request or its signed answer.
 * - `safe-mode/…`: the signed safe-mode state.
 * - `owner/…`: the owner identity the directory trusts.
 */
export const POLICY_DIAGNOSTIC_CODES = [
  'policy/unknown-capability',
  'policy/when-not-spend',
  'policy/duplicate-rule-id',
  'policy/safe-mode-not-read',
  'policy/bad-duration',
  'policy/bad-amount',
  'capability/invalid',
  'policy/not-a-directory',
  'policy/manifest-invalid',
  'policy/policy-file-invalid',
  'constraint/unenforceable',
  'constraint/broader-gate',
  'approval/tampered',
  'approval/inconsistent-action',
  'approval/not-recorded',
  'safe-mode/rollback',
  'safe-mode/tampered',
  'safe-mode/not-owner',
  'safe-mode/unreadable',
  'owner/mismatch',
] as const;

/** One of {@link POLICY_DIAGNOSTIC_CODES}. */
export type PolicyDiagnosticCode = (typeof POLICY_DIAGNOSTIC_CODES)[number];
