/** A candidate id split into its provider and its provider's model id. */
export interface CandidateId {
  /** The provider name (`ollama`, `openai`, or one declared under `providers:`). */
  readonly provider: string;
  /** The model id as the provider knows it (`qwen3:8b`). */
  readonly model: string;
}

/**
 * Splits `provider:model` at the **first** colon, as the AI SDK's provider registry does, so
 * `ollama:qwen3:8b` is provider `ollama`, model `qwen3:8b`. Returns `undefined` when either
 * side is empty or there is no colon.
 */
export function parseCandidateId(id: string): CandidateId | undefined {
  const colon = id.indexOf(':');
  if (colon <= 0 || colon === id.length - 1) return undefined;
  return { provider: id.slice(0, colon), model: id.slice(colon + 1) };
}
