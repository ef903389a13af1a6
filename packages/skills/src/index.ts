export {
  CURATOR_CONFIG_FILE,
  type CuratorConfig,
  type CuratorModelPassConfig,
  curatorConfigSchema,
  curatorModelPassSchema,
  loadCuratorConfig,
} from './curator-config';
export {
  type DiscoveredSkills,
  type DiscoverSkillsOptions,
  discoverSkills,
  isSkillFolder,
  type SkillRoot,
} from './discover-skills';
export {
  CAPABILITY_PATTERN,
  capabilitySchema,
  DEFAULT_ENTRIES,
  DEFAULT_SANDBOX,
  type ExecutionSection,
  executionSectionSchema,
  MAX_MEMORY_MB,
  MAX_TIMEOUT_MS,
  SANDBOX_NETWORK_MODES,
  type SandboxInput,
  type SandboxNetworkMode,
  SKILL_RUNTIMES,
  type SkillExecution,
  type SkillRuntime,
  type SkillSandbox,
  type SkillSandboxFilesystem,
  sandboxFilesystemSchema,
  sandboxNetworkModeSchema,
  sandboxSchema,
  sha256DigestSchema,
  skillRuntimeSchema,
} from './execution-schema';
export {
  DEFAULT_MAX_SKILL_DEPTH,
  DEFAULT_MAX_SKILL_FOLDERS,
  EXCLUDED_SKILL_FOLDER_NAMES,
  type FindSkillFoldersOptions,
  type FoundSkillFolder,
  findSkillFolders,
  SKILL_RESOURCE_FOLDER_NAMES,
  type SkillFolderScan,
} from './find-skill-folders';
export {
  allowedToolsSchema,
  collectSecretSchema,
  compatibilitySchema,
  descriptionSchema,
  HERMES_FRONTMATTER_FIELDS,
  HERMES_PLATFORMS,
  type HermesMetadata,
  hermesConfigSettingSchema,
  hermesMetadataSchema,
  listAllowedTools,
  listOf,
  MAX_COMPATIBILITY_LENGTH,
  MAX_DESCRIPTION_LENGTH,
  metadataSchema,
  prerequisitesSchema,
  type RequiredCredentialFile,
  type RequiredEnvironmentVariable,
  requiredCredentialFileSchema,
  requiredEnvironmentVariableSchema,
  type SkillFrontmatter,
  type SkillPrerequisites,
  type SkillSetup,
  SPEC_FRONTMATTER_FIELDS,
  setupSchema,
  skillFrontmatterSchema,
  skillVersionSchema,
  strictSkillFrontmatterSchema,
} from './frontmatter-schema';
export { hashFile } from './hash-file';
export { type ImportSkillOptions, type ImportSkillResult, importSkill } from './import-skill';
export {
  attributionSchema,
  isHubSource,
  type KarnelSkillFile,
  type KarnelSkillVersion,
  karnelSkillFileSchema,
  PROVENANCE_SOURCE_PATTERN,
  provenanceSchema,
  provenanceSourceSchema,
  type SkillAttribution,
  type SkillProvenance,
  type SkillUsage,
  SUPPORTED_KARNEL_SKILL_VERSIONS,
  usageSchema,
} from './karnel-yaml-schema';
export {
  isSkillJsonFileName,
  type LoadSkillOptions,
  type LoadSkillResult,
  loadSkill,
} from './load-skill';
export { ProtectedSkillError } from './protected-skill-error';
export {
  applyOutcomes,
  recordSkillUsage,
  type SkillOutcome,
  type UsageUpdate,
} from './record-usage';
export {
  SKILL_SOURCES,
  type Skill,
  type SkillFolders,
  type SkillFormat,
  type SkillSource,
} from './skill';
export { SkillFileError, type SkillFileErrorReason } from './skill-file-error';
export { type SkillJson, skillJsonSchema } from './skill-json-schema';
export {
  type CreateSkillLibraryOptions,
  createSkillLibrary,
  type RecordedUsage,
  type SkillActivation,
  type SkillLibrary,
  type SkillSummary,
  type UsageFromOutcomes,
} from './skill-library';
export {
  explainInvalidSkillName,
  HERMES_SKILL_NAME_PATTERN,
  isSkillName,
  MAX_SKILL_NAME_LENGTH,
  SKILL_NAME_PATTERN,
  type SkillNameProblem,
  skillNameSchema,
  strictSkillNameSchema,
} from './skill-name';
export { SkillNotFoundError } from './skill-not-found-error';
export type { SkillValidationMode } from './skill-validation-mode';
export { SKILLS_DIAGNOSTIC_CODES, type SkillsDiagnosticCode } from './skills-diagnostic-code';
export { type SplitFrontmatter, splitFrontmatter } from './split-frontmatter';
export { updateKarnelYaml } from './update-karnel-yaml';
