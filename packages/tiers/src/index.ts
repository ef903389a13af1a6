export { type CandidateId, parseCandidateId } from './candidate-id';
export {
  BUILT_IN_PROVIDERS,
  type BuiltInProvider,
  isLoopbackUrl,
  PROVIDER_KINDS,
  type ProviderKind,
} from './provider-kinds';
export { normalizeTier, TIER_ALIASES, TIER_NAMES } from './tier-names';
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
  type TiersFileScope,
  type TiersFileValidation,
  type ValidateTiersFileOptions,
  validateTiersDocument,
  validateTiersFile,
} from './validate-tiers-file';
