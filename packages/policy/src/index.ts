export {
  type Amount,
  DEFAULT_CURRENCY,
  formatAmount,
  MAX_AMOUNT_UNITS,
  type ParseAmountResult,
  parseAmount,
} from './amount';
export {
  type ApprovalDecision,
  type ApprovalFacts,
  approvalDecisionSchema,
  hashAction,
  type SignApprovalDecisionOptions,
  signApprovalDecision,
  verifyApprovalDecision,
} from './approval-decision';
export {
  type ApprovalQueue,
  type ApprovalQueueOptions,
  type ApprovalRefusal,
  type ApprovalResult,
  createApprovalQueue,
  type NewApprovalRequest,
  type RevokeApprovalOptions,
  type UseApprovalOptions,
} from './approval-queue';
export {
  APPROVAL_STATUSES,
  type ApprovalRequest,
  type ApprovalStatus,
  approvalRequestSchema,
} from './approval-request';
export {
  type ApproverAuthorization,
  type Authority,
  type AuthorityOptions,
  createAuthority,
  type Grant,
  type GrantContext,
  type GrantStatus,
  type GrantVerification,
  grantSchema,
  type Revocation,
  revocationSchema,
  type SignGrantOptions,
  signGrant,
  verifyGrant,
} from './authority';
export {
  ANY_CAPABILITY,
  BUILT_IN_CAPABILITY_NAMES,
  CAPABILITY_VOCABULARY,
  type Capability,
  type CapabilityDefinition,
  type CapabilityString,
  capabilitySchema,
  formatCapability,
  type ParseCapabilityResult,
  parseCapability,
  type ScopeKind,
  scopeKindOf,
} from './capability';
export { capabilityCovers, capabilityOverlaps } from './capability-covers';
export {
  type ApprovalGate,
  analyzeConstraints,
  type ConstraintAnalysis,
  type ConstraintClassification,
  type ConstraintGate,
  constraintDiagnostics,
  type ForbiddenGate,
  type ManifestConstraints,
  type SpendLimitGate,
} from './constraints';
export { parseDuration } from './duration';
export {
  ApprovalTamperedError,
  PolicyAuthorizationError,
  PolicyDirectoryError,
  PolicyOwnerError,
  type TamperedApprovalField,
} from './errors';
export {
  type OpenPolicyDirectoryOptions,
  openPolicyDirectory,
  type PolicyDirectory,
} from './open-policy-directory';
export {
  type OwnerRotation,
  ownerRotationSchema,
  type PinnedOwner,
  type ResolvedOwner,
  type ResolveOwnerOptions,
  readPinnedOwner,
  resolveOwner,
  type SignOwnerRotationOptions,
  signOwnerRotation,
} from './owner-anchor';
export { POLICY_DIAGNOSTIC_CODES, type PolicyDiagnosticCode } from './policy-diagnostic-code';
export {
  createPolicy,
  createPolicyEngine,
  isReadCapability,
  type Policy,
  type PolicyOptions,
  type SafeModeSettings,
} from './policy-engine';
export {
  POLICY_FILE_VERSIONS,
  type PolicyFile,
  type PolicyFileValidation,
  type PolicyFileVersion,
  policyFileSchema,
  policyRuleSchema,
  type ValidatePolicyFileOptions,
  validatePolicyDocument,
  validatePolicyFile,
} from './policy-file';
export { POLICY_RECORD_TYPES, type PolicyRecordType } from './policy-record-types';
export type { PolicyDecision, PolicyRequest } from './policy-request';
export {
  type AmountCondition,
  POLICY_EFFECTS,
  type PolicyEffect,
  type PolicyRule,
  type RuleReference,
  type RuleSource,
  type SpendPeriod,
} from './policy-rule';
export {
  createSafeMode,
  createSafeModeWatcher,
  type SafeModeOptions,
  type SafeModeState,
  type SafeModeStatus,
  type SafeModeSwitch,
  type SafeModeTrigger,
  type SafeModeWatcher,
  type SafeModeWatcherOptions,
  safeModeStateSchema,
} from './safe-mode';
export { hasShellSyntax } from './scope-match';
export { sameIdentity, signPayload, verifyPayload } from './signed-json';
