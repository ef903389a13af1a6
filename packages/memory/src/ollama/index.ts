/**
 * The Ollama embedder of `@karnel/memory`. It needs the optional peer dependency `ollama`:
 * `npm install @karnel/memory ollama`.
 *
 * @packageDocumentation
 */
export {
  checkOllamaHost,
  createOllamaEmbeddingModel,
  type OllamaEmbeddingModelOptions,
} from './ollama-embedding-model';
