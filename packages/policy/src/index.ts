export {
  type Amount,
  DEFAULT_CURRENCY,
  formatAmount,
  MAX_AMOUNT_UNITS,
  parseAmount,
} from './amount';
export {
  ANY_CAPABILITY,
  BUILT_IN_CAPABILITY_NAMES,
  CAPABILITY_VOCABULARY,
  type Capability,
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
  createPolicy,
  createPolicyEngine,
  isReadCapability,
  type Policy,
  type PolicyOptions,
  type SafeModeSettings,
} from './policy-engine';
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
export { hasShellSyntax } from './scope-match';
