import { sha256Hex } from '@karnel/core';
import type { Episode } from './episode';
import type { SemanticItem } from './semantic-item';

/**
 * Whether a value read back from storage has the shape of an episode. Storage is written by
 * stores that validated every record, so this cheap check only guards against lines damaged or
 * hand-edited since; `validateMemoryDir` reports those in detail.
 */
export function isStoredEpisode(value: unknown): value is Episode {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.id === 'string' &&
    typeof record.kind === 'string' &&
    typeof record.text === 'string' &&
    typeof record.at === 'string' &&
    !Number.isNaN(Date.parse(record.at))
  );
}

/** Whether a value read back from storage has the shape of a semantic item (see {@link isStoredEpisode}). */
export function isStoredSemanticItem(value: unknown): value is SemanticItem {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.id === 'string' &&
    typeof record.text === 'string' &&
    typeof record.at === 'string' &&
    Array.isArray(record.sources) &&
    !Number.isNaN(Date.parse(record.at))
  );
}

/** A short fingerprint of the text an item is embedded from, to notice when it changed. */
export function textFingerprint(text: string): string {
  return sha256Hex(text).slice(0, 16);
}

/** A file or table name safe on every file system for an embedder id such as `ollama:nomic-embed-text`. */
export function embedderSlug(embedderId: string): string {
  const readable = embedderId.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  return `${readable}-${sha256Hex(embedderId).slice(0, 8)}`;
}
