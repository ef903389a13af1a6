/** Every diagnostic code coordination reports in a group's protocol (`coordination/…`). */
export const COORDINATION_DIAGNOSTIC_CODES = [
  'coordination/protocol',
  'coordination/missing-section',
  'coordination/section-mismatch',
  'coordination/unknown-role',
  'coordination/duplicate-role',
  'coordination/self-edge',
  'coordination/self-dispatch',
  'coordination/missing-quorum',
  'coordination/quorum-too-large',
  'coordination/voter-not-peer',
  'coordination/unknown-condition',
  'coordination/duplicate-escalation',
] as const;

/** A diagnostic code of coordination (`coordination/unknown-role` …). */
export type CoordinationDiagnosticCode = (typeof COORDINATION_DIAGNOSTIC_CODES)[number];
