/**
 * `@karnel/tiers/config`: the configuration side of cognitive tiers (Annex D) — the
 * `tiers.yaml` schema and its positioned validation, loading and merging the machine-, group-
 * and agent-level files, the machine profile, and tier resolution. Nothing in this entry's
 * module graph imports the AI SDK, so a validator can check tiers without installing it.
 *
 * @packageDocumentation
 */
export { type CandidateId, parseCandidateId } from './candidate-id';
export {
  type DetectMachineProfileOptions,
  detectMachineProfile,
  type GpuInfo,
  type LocalModel,
  type MachineProfile,
  type OllamaStatus,
  probeOllama,
} from './machine-profile';
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
export { normalizeTier, TIER_ALIASES, TIER_NAMES } from './tier-names';
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
  type TiersFileScope,
  type TiersFileValidation,
  type ValidateTiersFileOptions,
  validateTiersDocument,
  validateTiersFile,
} from './validate-tiers-file';
