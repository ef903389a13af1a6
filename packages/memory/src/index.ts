export { assertMemoryStore } from './assert-memory-store';
export {
  type CondenseEpisodes,
  type ConsolidateEpisodesOptions,
  type ConsolidationReport,
  consolidateEpisodes,
  type ListUnconsolidatedOptions,
  listUnconsolidatedEpisodes,
} from './consolidation';
export {
  type AssembleContextOptions,
  type AssembledContext,
  assembleContext,
  type ContextItem,
  type ContextShares,
  estimateTokensByCharacters,
  type TokenEstimator,
} from './context-assembly';
export {
  type CreateMemoryOptions,
  createMemory,
  MEMORY_BACKENDS,
  type MemoryBackend,
} from './create-memory';
export {
  type CreateMemoryStoreOptions,
  createMemoryStore,
  SUPPORTED_DRIVER_VERSIONS,
} from './create-memory-store';
export { createFilesDriver, type FilesDriverOptions } from './drivers/files-driver';
export { createSqliteDriver, type SqliteDriverOptions } from './drivers/sqlite-driver';
export { createEmbedder, type Embedder, embedderId } from './embedder';
export {
  createEmbeddingModelFromSpec,
  EMBEDDER_SPEC_SYNTAX,
  type EmbedderSpec,
  type EmbedderSpecOptions,
  parseEmbedderSpec,
} from './embedder-spec';
export {
  type EmbeddingCallOptions,
  type EmbeddingCallResult,
  type EmbeddingModelV4,
  type MemoryEmbeddingModel,
  SUPPORTED_EMBEDDING_MODEL_VERSIONS,
} from './embedding-model';
export {
  CONSOLIDATION_KIND,
  createEpisode,
  EPISODE_KIND_PATTERN,
  type Episode,
  type EpisodeInput,
  episodeKindSchema,
  episodeSchema,
} from './episode';
export type { CompiledEpisodeQuery } from './episode-query';
export {
  EmbedderRequiredError,
  EmbeddingFailedError,
  MemoryLayoutConflictError,
  MissingPeerDependencyError,
  SqliteUnavailableError,
  StrategicWriteDeniedError,
} from './errors';
export { createFileMemory, type FileMemoryOptions } from './file-memory';
export {
  createHashingEmbeddingModel,
  type HashingEmbeddingModelOptions,
  MAX_HASHING_DIMENSIONS,
  MIN_HASHING_DIMENSIONS,
} from './hashing-embedding-model';
export type { MemoryDiagnostic, MemoryDiagnosticCode } from './memory-diagnostic-code';
export type {
  DiagnosticListener,
  EpisodeAppendOptions,
  EpisodicLog,
  MemoryDriver,
  MemoryDriverFlags,
  RankedEpisode,
  RankedItem,
  RankedSearchOptions,
  SemanticIndex,
  VectorSearchRequest,
} from './memory-driver';
export { type MemoryLayout, memoryLayout } from './memory-layout';
export type { MemoryStoreOptions } from './memory-options';
export type {
  AppendEpisodesOptions,
  EpisodeHit,
  EpisodeQuery,
  MemoryCapabilities,
  MemoryStore,
  MemoryTier,
  MemoryWriter,
  SearchFilter,
  SearchHit,
  SearchMode,
  SearchOptions,
  SearchResult,
  StrategicUpdateOptions,
} from './memory-store';
export {
  copyMemory,
  exportMemoryLines,
  exportMemoryToFile,
  importMemory,
  MEMORY_EXPORT_FORMAT,
  type MemoryExport,
  type MemoryExportHeader,
  type MemoryTransferOptions,
  type MemoryTransferReport,
  memoryExportHeaderSchema,
  readMemoryExport,
} from './memory-transfer';
export {
  importPlurEngrams,
  PLUR_ENGRAM_KIND,
  type PlurEngram,
  type PlurEngramsRead,
  plurEngramSchema,
  type ReadPlurEngramsOptions,
  readPlurEngrams,
} from './plur-engrams';
export { FULL_TEXT_ONLY_NOTICE, MAX_SEARCH_K, NO_SEARCHABLE_WORDS_NOTICE } from './search-support';
export {
  createSemanticItem,
  type SemanticItem,
  type SemanticItemInput,
  semanticItemSchema,
} from './semantic-item';
export { createSqliteMemory, type SqliteMemoryOptions } from './sqlite-memory';
export {
  emptyStrategicMemory,
  evidenceRefSchema,
  HYPOTHESIS_ID_PATTERN,
  type Hypothesis,
  hypothesisSchema,
  SELF_MODEL_FIELDS,
  type SelfModel,
  type SelfModelField,
  type StrategicMemory,
  selfModelSchema,
  strategicMemorySchema,
} from './strategic-memory';
export {
  type StrategicRevision,
  strategicRevisionSchema,
  strategicStateHash,
} from './strategic-revision';
export {
  applyStrategicUpdates,
  type StrategicUpdate,
  strategicUpdateSchema,
} from './strategic-update';
export { formatStrategicYaml, updateStrategicYaml } from './strategic-yaml';
export { type ValidateMemoryDirOptions, validateMemoryDir } from './validate-memory-dir';
