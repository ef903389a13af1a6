export {
  type BudgetMiddlewareOptions,
  type BudgetTreasury,
  createBudgetMiddleware,
} from './budget-middleware';
export { type CandidateId, parseCandidateId } from './candidate-id';
export {
  BudgetExceededError,
  type TierAttempt,
  TierTimeoutError,
  TierUnavailableError,
} from './errors';
export { fallbackReason } from './fallback-reason';
export {
  createLedgerMiddleware,
  type LedgerMiddlewareOptions,
  MODEL_CALL_RECORD_TYPE,
} from './ledger-middleware';
export {
  type DetectMachineProfileOptions,
  detectMachineProfile,
  type GpuInfo,
  type LocalModel,
  type MachineProfile,
  type OllamaStatus,
  probeOllama,
} from './machine-profile';
export { observeStream, type StreamEnd } from './observe-stream';
export { type OpenTierModelOptions, openTierModel } from './open-tier-model';
export {
  BUILT_IN_PROVIDERS,
  type BuiltInProvider,
  isLoopbackUrl,
  PROVIDER_KINDS,
  type ProviderKind,
} from './provider-kinds';
export {
  type ExcludedCandidate,
  resolveTier,
  type TierResolution,
} from './resolve-tier';
export {
  createTierModel,
  type LanguageModelSource,
  type TierModel,
  type TierModelOptions,
} from './tier-model';
export { normalizeTier, TIER_ALIASES, TIER_NAMES } from './tier-names';
export { createTierProvider, createTierRegistry, type TierRegistryOptions } from './tier-registry';
export {
  type CandidatePrice,
  type LoadTiersConfigOptions,
  loadTiersConfig,
  machineTiersFilePath,
  mergeTiersFiles,
  type TierCandidate,
  type TierProvider,
  type TiersConfig,
  type TiersConfigResult,
} from './tiers-config';
export {
  type CandidateEntry,
  candidatePriceSchema,
  candidateSchema,
  machineNeedsSchema,
  type ProviderSettings,
  priceTextSchema,
  providerSettingsSchema,
  type TiersFile,
  tiersFileSchema,
} from './tiers-file-schema';
export { tiersJsonSchema } from './tiers-json-schema';
export {
  type ChargedTokens,
  chargedTokens,
  DEFAULT_MAX_OUTPUT_TOKENS,
  estimateInputTokens,
  usageCost,
  worstCaseCost,
} from './usage-cost';
export {
  type TiersFileScope,
  type TiersFileValidation,
  type ValidateTiersFileOptions,
  validateTiersDocument,
  validateTiersFile,
} from './validate-tiers-file';
