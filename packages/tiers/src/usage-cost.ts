import type { LanguageModelV4CallOptions, LanguageModelV4Usage } from '@ai-sdk/provider';
import type { CandidatePrice } from './tiers-config';

const perMillion = 1_000_000n;

/** Tokens of one call, as charged. */
export interface ChargedTokens {
  /** Input tokens charged at the input price (cache writes included). */
  readonly input: number;
  /** Input tokens read from the cache, charged at the cached-input price. */
  readonly cachedInput: number;
  /** Output tokens (reasoning included). */
  readonly output: number;
}

/** Splits an AI SDK usage into {@link ChargedTokens}; `undefined` when the provider gave no counts. */
export function chargedTokens(usage: LanguageModelV4Usage | undefined): ChargedTokens | undefined {
  if (!usage) return undefined;
  const { inputTokens, outputTokens } = usage;
  if (outputTokens.total === undefined) return undefined;
  const cachedInput = inputTokens.cacheRead ?? 0;
  let input: number;
  if (inputTokens.noCache !== undefined)
    input = inputTokens.noCache + (inputTokens.cacheWrite ?? 0);
  else if (inputTokens.total !== undefined) input = inputTokens.total - cachedInput;
  else return undefined;
  return { input, cachedInput, output: outputTokens.total };
}

/**
 * The exact cost of a call in units of `10^-12` of the treasury's currency: uncached input at
 * the input price, cached input at the cached-input price, output at the output price, each
 * price per million tokens. A fraction of a unit left by the division is rounded up.
 */
export function usageCost(tokens: ChargedTokens, price: CandidatePrice): bigint {
  const units =
    BigInt(tokens.input) * price.input +
    BigInt(tokens.cachedInput) * price.cachedInput +
    BigInt(tokens.output) * price.output;
  return (units + perMillion - 1n) / perMillion;
}

/** The output cap assumed for a call that gives none: 4 096 tokens. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/**
 * An upper bound of a prompt's input tokens: its UTF-8 size in bytes. A byte-level BPE token is
 * at least one byte, so no tokenizer of that family counts more tokens than bytes.
 */
export function estimateInputTokens(params: LanguageModelV4CallOptions): number {
  return Buffer.byteLength(JSON.stringify(params.prompt));
}

/**
 * The most a call can cost, in units of `10^-12`: {@link estimateInputTokens} at the input
 * price plus `maxOutputTokens` (else `defaultMaxOutputTokens`) at the output price. The budget
 * middleware reserves it, and both middlewares charge it when a call that produced output ends
 * without reporting its usage, so the ledger and the treasury always agree.
 */
export function worstCaseCost(
  params: LanguageModelV4CallOptions,
  price: CandidatePrice,
  defaultMaxOutputTokens: number = DEFAULT_MAX_OUTPUT_TOKENS,
): bigint {
  return usageCost(
    {
      input: estimateInputTokens(params),
      cachedInput: 0,
      output: params.maxOutputTokens ?? defaultMaxOutputTokens,
    },
    price,
  );
}
