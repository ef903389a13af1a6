import { InvalidArgumentError, isRfc3339 } from '@karnel/core';
import type { EpisodeQuery } from './memory-store';

/** An {@link EpisodeQuery} checked and reduced to what backends filter on. */
export interface CompiledEpisodeQuery {
  /** Inclusive lower bound, milliseconds since the epoch. */
  readonly fromMs?: number;
  /** Exclusive upper bound, milliseconds since the epoch. */
  readonly toMs?: number;
  /** Allowed kinds. */
  readonly kinds?: ReadonlySet<string>;
  /** The text every returned episode must contain (trimmed; absent when blank). */
  readonly text?: string;
  /** Newest first? */
  readonly descending: boolean;
  /** Maximum number of episodes. */
  readonly limit?: number;
}

/**
 * Checks an {@link EpisodeQuery}.
 *
 * @throws {InvalidArgumentError} for a bad time, limit or order.
 */
export function compileEpisodeQuery(query: EpisodeQuery = {}): CompiledEpisodeQuery {
  const { limit, order = 'asc' } = query;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new InvalidArgumentError({
      argument: 'query.limit',
      value: limit,
      message: 'must be a non-negative integer',
    });
  }
  if (order !== 'asc' && order !== 'desc') {
    throw new InvalidArgumentError({
      argument: 'query.order',
      value: order,
      message: 'must be "asc" or "desc"',
    });
  }
  const text = query.text?.trim();
  return {
    fromMs: toMilliseconds(query.from, 'query.from'),
    toMs: toMilliseconds(query.to, 'query.to'),
    kinds: query.kinds ? new Set(query.kinds) : undefined,
    text: text ? text : undefined,
    descending: order === 'desc',
    limit,
  };
}

function toMilliseconds(value: string | Date | undefined, argument: string): number | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Date) {
    const time = value.getTime();
    if (Number.isNaN(time))
      throw new InvalidArgumentError({ argument, value, message: 'is an invalid Date' });
    return time;
  }
  if (!isRfc3339(value))
    throw new InvalidArgumentError({ argument, value, message: 'is not an RFC 3339 timestamp' });
  return Date.parse(value);
}

/**
 * Orders records by time (milliseconds), ties by their position (`sequence`), ascending or
 * descending, and applies the limit.
 */
export function orderAndLimit<T>(
  records: readonly { readonly record: T; readonly time: number; readonly sequence: number }[],
  query: CompiledEpisodeQuery,
): T[] {
  const sorted = [...records].sort((a, b) => a.time - b.time || a.sequence - b.sequence);
  if (query.descending) sorted.reverse();
  const limited = query.limit === undefined ? sorted : sorted.slice(0, query.limit);
  return limited.map((entry) => entry.record);
}
