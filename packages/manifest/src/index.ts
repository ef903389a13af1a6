export {
  AGENT_COMPONENTS,
  AGENT_KINDS,
  type AgentKind,
  type AgentManifest,
  agentComponentsSchema,
  agentIdentitySchema,
  agentKindSchema,
  agentManifestSchema,
  modelClassSchema,
  runtimeRequirementsSchema,
} from './agent-manifest-schema';
export {
  type Cadence,
  type CadencePart,
  EVENT_CADENCES,
  type EventCadenceName,
  INTERVAL_CADENCES,
  type IntervalCadenceName,
  type NextCadenceTimeOptions,
  nextCadenceTime,
  type ParseCadenceResult,
  parseCadence,
} from './cadence';
export {
  agentIdSchema,
  type Constraints,
  cadenceSchema,
  constraintsSchema,
  contactSchema,
  createdAtSchema,
  groupIdSchema,
  hasNoControlCharacters,
  isContact,
  nameSchema,
  ownerSchema,
  relativePathSchema,
  roleSchema,
  singleLineText,
  specVersionSchema,
} from './common-schemas';
export {
  type CreateAgentDirectoryOptions,
  type CreateDirectoryOptions,
  type CreatedDirectory,
  type CreateGroupDirectoryOptions,
  createAgentDirectory,
  createGroupDirectory,
  DirectoryExistsError,
} from './create-directory';
export {
  type DirectoryKind,
  type DirectoryKindDetection,
  detectDirectoryKind,
} from './detect-directory-kind';
export {
  foreignMemberEntrySchema,
  GROUP_COMPONENTS,
  GROUP_LIFECYCLES,
  type GroupLifecycle,
  type GroupManifest,
  type GroupMemberEntry,
  groupComponentsSchema,
  groupIdentitySchema,
  groupLifecycleSchema,
  groupManifestSchema,
  groupMemberEntrySchema,
  humanMemberEntrySchema,
  referencedMemberEntrySchema,
} from './group-manifest-schema';
export {
  exportJsonSchemas,
  JSON_SCHEMA_BASE_URL,
  JSON_SCHEMA_FILES,
  type JsonSchema,
} from './json-schemas';
export { type LoadOptions, type LoadResult, MAX_MANIFEST_BYTES } from './load-document';
export { loadAgentManifest, loadGroupManifest, loadMemberFile } from './load-manifest';
export {
  isManifestDiagnosticCode,
  MANIFEST_DIAGNOSTIC_CODES,
  type ManifestDiagnosticCode,
} from './manifest-diagnostic-code';
export {
  ADAPTER_TYPES,
  type Adapter,
  type AdapterType,
  type AgentRef,
  adapterSchema,
  adapterTypeSchema,
  agentRefSchema,
  type Member,
  type MemberContract,
  type MemberFile,
  type Membership,
  memberContractSchema,
  memberFileSchema,
  memberSchema,
  membershipSchema,
} from './member-file-schema';
export {
  type ComponentName,
  type ComponentResolution,
  type ResolveComponentOptions,
  type ResolvedComponent,
  resolveComponent,
  type UnresolvedComponent,
} from './resolve-component';
export {
  CURRENT_SPEC_VERSION,
  checkSpecVersion,
  type SpecVersionCheck,
  type SpecVersionStatus,
  SUPPORTED_SPEC_VERSIONS,
  type SupportedSpecVersion,
} from './spec-version';
export {
  MANIFEST_UPGRADES,
  type ManifestKind,
  type ManifestUpgrade,
  type ManifestUpgradeResult,
  upgradeManifest,
} from './upgrade-manifest';
export {
  type AgentDirValidation,
  type ValidateDirOptions,
  validateAgentDir,
} from './validate-agent-dir';
export { type DirectoryValidation, validateDirectory } from './validate-directory';
export {
  type GroupDirValidation,
  type MemberKind,
  type ResolvedMember,
  validateGroupDir,
} from './validate-group-dir';
