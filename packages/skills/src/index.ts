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
  sandboxFilesystemSchema,
  sandboxSchema,
  sha256DigestSchema,
  SKILL_RUNTIMES,
  type SkillExecution,
  type SkillRuntime,
  type SkillSandbox,
} from './execution-schema';
export {
  allowedToolsSchema,
  compatibilitySchema,
  descriptionSchema,
  HERMES_FRONTMATTER_FIELDS,
  HERMES_PLATFORMS,
  type HermesMetadata,
  hermesConfigSettingSchema,
  hermesMetadataSchema,
  listAllowedTools,
  MAX_COMPATIBILITY_LENGTH,
  MAX_DESCRIPTION_LENGTH,
  metadataSchema,
  type RequiredEnvironmentVariable,
  requiredEnvironmentVariableSchema,
  SPEC_FRONTMATTER_FIELDS,
  type SkillFrontmatter,
  skillFrontmatterSchema,
  skillVersionSchema,
  strictSkillFrontmatterSchema,
} from './frontmatter-schema';
export { hashFile } from './hash-file';
export {
  attributionSchema,
  isHubSource,
  type KarnelSkillFile,
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
  type SkillValidationMode,
} from './load-skill';
export { SKILL_SOURCES, type Skill, type SkillFolders, type SkillFormat, type SkillSource } from './skill';
export { type SkillJson, skillJsonSchema } from './skill-json-schema';
export {
  explainInvalidSkillName,
  isSkillName,
  MAX_SKILL_NAME_LENGTH,
  SKILL_NAME_PATTERN,
  type SkillNameProblem,
  skillNameSchema,
} from './skill-name';
export { type SplitFrontmatter, splitFrontmatter } from './split-frontmatter';
