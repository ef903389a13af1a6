import type {
  LanguageModelV4CallOptions,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { type AuditLog, type Clock, formatCost, hashJson, systemClock } from '@karnel/core';
import { fallbackReason } from './fallback-reason';
import { observeStream } from './observe-stream';
import { bothWritten, type SettleHandoff } from './settle-handoff';
import type { CandidatePrice } from './tiers-config';
import { chargedTokens, DEFAULT_MAX_OUTPUT_TOKENS, usageCost, worstCaseCost } from './usage-cost';

/** The ledger record type of one model call. */
export const MODEL_CALL_RECORD_TYPE = 'model.call';

/** Options of {@link createLedgerMiddleware}. */
export interface LedgerMiddlewareOptions {
  /** Where entries go: `@karnel/ledger`'s `openLedger(dir)` or any `AuditLog`. */
  ledger: AuditLog;
  /** The tier of the calls. */
  tier: string;
  /** The model's prices; without them the entry's cost is `"0"`. */
  price?: CandidatePrice;
  /** The candidate id. Default: the wrapped model's `provider:modelId`. */
  candidate?: string;
  /** The run the calls belong to (`run_…`). */
  run?: string;
  /** Also record the prompt itself, not only its hash. Default `false`: prompts can be private. */
  recordPrompt?: boolean;
  /**
   * The output cap the budget middleware sets on calls that give none, for the worst case a
   * call without usage is charged. Default 4 096, as the budget middleware's.
   */
  defaultMaxOutputTokens?: number;
  /** Where time comes from, for latency. Default: the system clock. */
  clock?: Clock;
}

/**
 * Middleware that writes one `model.call` ledger entry per call (Annex D, section 5): tier,
 * provider, model, mode, tokens (input, cached input, output), the exact cost as decimal text,
 * latency in ms, outcome (`ok`, or `error` with the error's name), and the SHA-256 of the prompt
 * in canonical JSON (the prompt itself only with `recordPrompt`). The call's result is returned
 * only once its entry is durable; a failed append fails the call.
 */
export function createLedgerMiddleware(
  options: LedgerMiddlewareOptions,
): LanguageModelV4Middleware {
  return ledgerMiddleware(options, undefined);
}

/** What a ledger offers, beyond `AuditLog`, to share the fsync of a settle in the same ledger. */
interface SyncableLog {
  appendUnsynced(record: { type: string; body: Record<string, unknown> }): Promise<{ seq: number }>;
  sync(options?: { through?: number }): Promise<void>;
}

/**
 * {@link createLedgerMiddleware}, awaiting the settle the budget middleware inside it handed to
 * `handoff` together with the call's entry (both writes go out at once). Not exported from the
 * package: only `openTierModel` wires the two middlewares together.
 *
 * With `settlesInLedger` (the treasury keeps its records in this same ledger, whose `commit`
 * ends with an fsync of it), the entry is written without an fsync of its own and made durable
 * after the settle, through its seq: the settle's fsync usually covered it already, so a call
 * costs one fsync instead of two. The call still returns only once its entry is durable, the
 * settle failed or not.
 */
export function ledgerMiddleware(
  options: LedgerMiddlewareOptions,
  handoff: SettleHandoff | undefined,
  settlesInLedger = false,
): LanguageModelV4Middleware {
  const {
    ledger,
    tier,
    price,
    run,
    recordPrompt = false,
    clock = systemClock,
    defaultMaxOutputTokens = DEFAULT_MAX_OUTPUT_TOKENS,
  } = options;

  const syncable = ledger as AuditLog & Partial<SyncableLog>;
  const shareSync =
    settlesInLedger &&
    typeof syncable.appendUnsynced === 'function' &&
    typeof syncable.sync === 'function';

  type CallEntry = {
    candidate: string;
    mode: 'generate' | 'stream';
    params: LanguageModelV4CallOptions;
    started: number;
    sawOutput: boolean;
    usage: LanguageModelV4Usage | undefined;
    error?: unknown;
  };

  /** Writes the call's entry and awaits it with the settle handed over, if any (see above). */
  async function writeWithSettle(entry: CallEntry, settling: Promise<void> | undefined) {
    if (!settling || !shareSync)
      return bothWritten(
        write(entry).then(() => undefined),
        settling,
      );
    const written = write(entry, true);
    try {
      await bothWritten(
        written.then(() => undefined),
        settling,
      );
    } finally {
      const seq = await written.catch(() => undefined);
      if (seq !== undefined) await syncable.sync!({ through: seq });
    }
  }

  /** Appends the call's entry: durable, or (`unsynced`) written only, resolving to its seq. */
  async function write(entry: CallEntry, unsynced = false): Promise<number | undefined> {
    const colon = entry.candidate.indexOf(':');
    const tokens = chargedTokens(entry.usage);
    // A call that produced output without reporting usage is charged its worst case, as the
    // budget middleware charges it, so the ledger and the treasury agree.
    const unknown = !tokens && entry.sawOutput && price !== undefined;
    const cost = !price
      ? 0n
      : tokens
        ? usageCost(tokens, price)
        : unknown
          ? worstCaseCost(entry.params, price, defaultMaxOutputTokens)
          : 0n;
    const record = {
      type: MODEL_CALL_RECORD_TYPE,
      body: {
        tier,
        provider: entry.candidate.slice(0, colon),
        model: entry.candidate.slice(colon + 1),
        mode: entry.mode,
        ...(tokens
          ? {
              input_tokens: tokens.input,
              cached_input_tokens: tokens.cachedInput,
              output_tokens: tokens.output,
            }
          : {}),
        cost: formatCost(cost),
        ...(unknown ? { cost_basis: 'worst-case' } : {}),
        latency_ms: Math.max(0, clock.now().getTime() - entry.started),
        outcome: entry.error === undefined ? 'ok' : 'error',
        ...(entry.error === undefined ? {} : { error: errorName(entry.error) }),
        prompt_sha256: hashJson(entry.params.prompt),
        ...(recordPrompt ? { prompt: JSON.parse(JSON.stringify(entry.params.prompt)) } : {}),
        ...(run ? { run } : {}),
      },
    };
    if (unsynced) return (await syncable.appendUnsynced!(record)).seq;
    await ledger.append(record);
    return undefined;
  }

  return {
    specificationVersion: 'v4',
    wrapGenerate: async ({ doGenerate, params, model }) => {
      const candidate = options.candidate ?? `${model.provider}:${model.modelId}`;
      const started = clock.now().getTime();
      let result: Awaited<ReturnType<typeof doGenerate>>;
      try {
        result = await doGenerate();
      } catch (error) {
        await write({
          candidate,
          mode: 'generate',
          params,
          started,
          sawOutput: false,
          usage: undefined,
          error,
        });
        throw error;
      }
      await writeWithSettle(
        {
          candidate,
          mode: 'generate',
          params,
          started,
          sawOutput: true,
          usage: result.usage,
        },
        handoff?.take(result),
      );
      return result;
    },
    wrapStream: async ({ doStream, params, model }) => {
      const candidate = options.candidate ?? `${model.provider}:${model.modelId}`;
      const started = clock.now().getTime();
      let result: Awaited<ReturnType<typeof doStream>>;
      try {
        result = await doStream();
      } catch (error) {
        await write({
          candidate,
          mode: 'stream',
          params,
          started,
          sawOutput: false,
          usage: undefined,
          error,
        });
        throw error;
      }
      let usage: LanguageModelV4Usage | undefined;
      let failure: unknown;
      let sawOutput = false;
      return {
        ...result,
        stream: observeStream<LanguageModelV4StreamPart>(
          result.stream,
          (part) => {
            if (part.type === 'finish') usage = part.usage;
            if (part.type === 'error') failure ??= part.error;
            else if (
              part.type !== 'stream-start' &&
              part.type !== 'response-metadata' &&
              part.type !== 'finish'
            )
              sawOutput = true;
          },
          (end, error) =>
            writeWithSettle(
              {
                candidate,
                mode: 'stream',
                params,
                started,
                sawOutput,
                usage,
                ...(end === 'error' || failure !== undefined
                  ? { error: error ?? failure }
                  : end === 'cancel' && !usage
                    ? { error: Object.assign(new Error('cancelled'), { name: 'Cancelled' }) }
                    : {}),
              },
              handoff?.take(result.stream),
            ),
        ),
      };
    },
  };
}

/** The error's name, and why it allowed a fallback when it did (never its message: it may quote the prompt). */
function errorName(error: unknown): string {
  if (error instanceof Error) {
    const reason = fallbackReason(error);
    if (reason) return `${error.name}: ${reason}`;
    const status = (error as { statusCode?: number }).statusCode;
    return status ? `${error.name} (HTTP ${status})` : error.name;
  }
  return 'Error';
}
