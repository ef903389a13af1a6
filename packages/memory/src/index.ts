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
  createOllamaEmbeddingModel,
  type OllamaEmbeddingModelOptions,
} from './ollama-embedding-model';
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
