/**
 * The AI SDK adapter of `@karnel/memory`. It needs the optional peer dependency `ai`:
 * `npm install @karnel/memory ai`. Models that already implement the AI SDK's embedding model
 * interface need no adapter; this one adds gateway ids and the AI SDK's retries.
 *
 * @packageDocumentation
 */
export {
  type AiSdkEmbeddingModelOptions,
  aiSdkEmbedderId,
  fromAiSdkEmbeddingModel,
} from './ai-sdk-embedding-model';
