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
  createEmbedder,
  type Embedder,
  type EmbeddingModelV4,
  embedderId,
  type MemoryEmbeddingModel,
} from './embedder';
export {
  CONSOLIDATION_KIND,
  createEpisode,
  EPISODE_KIND_PATTERN,
  type Episode,
  type EpisodeInput,
  episodeKindSchema,
  episodeSchema,
} from './episode';
export { EmbedderRequiredError, StrategicWriteDeniedError } from './errors';
export { createFileMemory, type FileMemoryOptions } from './file-memory';
export {
  createHashingEmbeddingModel,
  type HashingEmbeddingModelOptions,
} from './hashing-embedding-model';
export { createLanceMemory, type LanceMemoryOptions } from './lance-memory';
export { type MemoryLayout, memoryLayout } from './memory-layout';
export type { MemoryStoreOptions } from './memory-options';
export type {
  AppendEpisodesOptions,
  EpisodeQuery,
  MemoryCapabilities,
  MemoryStore,
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
  createOllamaEmbeddingModel,
  type OllamaEmbeddingModelOptions,
} from './ollama-embedding-model';
export {
  importPlurEngrams,
  PLUR_ENGRAM_KIND,
  type PlurEngram,
  type PlurEngramsRead,
  plurEngramSchema,
  type ReadPlurEngramsOptions,
  readPlurEngrams,
} from './plur-engrams';
export { FULL_TEXT_ONLY_NOTICE } from './search-support';
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
export { formatStrategicYaml } from './strategic-yaml';
export { type ValidateMemoryDirOptions, validateMemoryDir } from './validate-memory-dir';
