import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
} from '@ai-sdk/provider';
import { wrapLanguageModel } from 'ai';
import { TierTimeoutError, TierUnavailableError } from './errors';
import { fallbackReason } from './fallback-reason';
import type { TierResolution } from './resolve-tier';
import type { TierCandidate } from './tiers-config';

/** Where a tier model gets each candidate's language model: a provider registry does. */
export interface LanguageModelSource {
  /** The model for `provider:model` (the AI SDK's `createProviderRegistry` result has this). */
  languageModel(id: `${string}:${string}`): LanguageModelV4;
}

/** Options of {@link createTierModel}. */
export interface TierModelOptions {
  /** The tier resolved on this machine: its usable candidates, in order. */
  resolution: TierResolution;
  /** Where candidate models come from; see `createTierRegistry`. */
  registry: LanguageModelSource;
  /**
   * Middleware applied to each candidate's model — so each attempt is reserved, charged and
   * written with that candidate's prices. See `createBudgetMiddleware`, `createLedgerMiddleware`.
   */
  middleware?: (candidate: TierCandidate) => LanguageModelV4Middleware[];
}

/** A language model standing for a tier: the AI SDK can use it wherever it takes a model. */
export interface TierModel extends LanguageModelV4 {
  /** The tier it stands for. */
  readonly tier: string;
  /** The candidates it tries, in order. */
  readonly candidates: readonly TierCandidate[];
}

const preamble = new Set<LanguageModelV4StreamPart['type']>(['stream-start', 'response-metadata']);

/**
 * Creates a {@link TierModel}: an AI SDK `LanguageModelV4` that tries the tier's candidates in
 * order (Annex D, section 4.1). It moves to the next candidate only on a transport error, a
 * timeout (`timeout_ms` of the candidate's provider: the whole answer for `doGenerate`, the
 * first content for `doStream`), HTTP 429 or a 5xx — for a stream only before its first content
 * part. Any other error is thrown at once. For `local-private` a candidate off this machine is
 * dropped even if the resolution lists it. When no candidate is left it throws
 * {@link TierUnavailableError} naming each attempt; with no usable candidate at all it throws it
 * before sending anything.
 */
export function createTierModel(options: TierModelOptions): TierModel {
  const { resolution, registry, middleware = () => [] } = options;
  const { tier } = resolution;
  // A hard rule, not a preference: whatever resolution was handed in, local-private calls
  // never leave the machine.
  const offMachine =
    tier === 'local-private'
      ? resolution.candidates.filter((candidate) => !candidate.provider.local)
      : [];
  const candidates = resolution.candidates.filter((candidate) => !offMachine.includes(candidate));
  const models = new Map<TierCandidate, LanguageModelV4>();
  const modelOf = (candidate: TierCandidate) => {
    let model = models.get(candidate);
    if (!model) {
      const base = registry.languageModel(candidate.id as `${string}:${string}`);
      const layers = middleware(candidate);
      model = layers.length ? wrapLanguageModel({ model: base, middleware: layers }) : base;
      models.set(candidate, model);
    }
    return model;
  };
  const unavailable = (attempts: { candidate: string; reason: string }[], cause?: unknown) =>
    new TierUnavailableError({
      tier,
      attempts: [
        ...resolution.excluded.map(({ candidate, reason }) => ({
          candidate: candidate.id,
          reason,
        })),
        ...offMachine.map((candidate) => ({
          candidate: candidate.id,
          reason: 'local-private never resolves to a model off this machine',
        })),
        ...attempts,
      ],
      cause,
    });

  async function attempt<Result>(
    params: LanguageModelV4CallOptions,
    call: (
      model: LanguageModelV4,
      candidate: TierCandidate,
      params: LanguageModelV4CallOptions,
      timedOut: () => never,
    ) => Promise<Result>,
  ): Promise<Result> {
    const attempts: { candidate: string; reason: string }[] = [];
    let last: unknown;
    for (const candidate of candidates) {
      const controller = new AbortController();
      const timeoutMs = candidate.provider.timeoutMs;
      let expired = false;
      const timer = setTimeout(() => {
        expired = true;
        controller.abort(new TierTimeoutError({ candidate: candidate.id, timeoutMs }));
      }, timeoutMs);
      const signal = params.abortSignal
        ? AbortSignal.any([params.abortSignal, controller.signal])
        : controller.signal;
      const timedOut = (): never => {
        throw new TierTimeoutError({ candidate: candidate.id, timeoutMs });
      };
      try {
        return await call(
          modelOf(candidate),
          candidate,
          { ...params, abortSignal: signal },
          timedOut,
        );
      } catch (thrown) {
        const error =
          expired && !params.abortSignal?.aborted
            ? new TierTimeoutError({ candidate: candidate.id, timeoutMs })
            : thrown;
        const reason = params.abortSignal?.aborted ? undefined : fallbackReason(error);
        if (reason === undefined) throw error;
        attempts.push({ candidate: candidate.id, reason });
        last = error;
      } finally {
        clearTimeout(timer);
      }
    }
    throw unavailable(attempts, last);
  }

  return {
    specificationVersion: 'v4',
    provider: 'karnel-tier',
    modelId: tier,
    tier,
    candidates,
    supportedUrls: {},
    doGenerate: (params) =>
      attempt(params, async (model, _candidate, callParams, timedOut) => {
        // A provider that ignores the abort signal (the ollama client does) must not hold the
        // call past the candidate's timeout: the race gives up on it, and its late outcome is
        // dropped.
        const call = Promise.resolve(model.doGenerate(callParams));
        call.catch(() => {});
        try {
          return await Promise.race([call, abortedBy(callParams.abortSignal!)]);
        } catch (error) {
          if (TierTimeoutError.isInstance(error)) timedOut();
          throw error;
        }
      }),
    doStream: (params) =>
      attempt(
        params,
        async (model, _candidate, callParams, timedOut): Promise<LanguageModelV4StreamResult> => {
          const aborted = abortedBy(callParams.abortSignal!);
          const call = Promise.resolve(model.doStream(callParams));
          call.catch(() => {});
          let result: LanguageModelV4StreamResult;
          try {
            result = await Promise.race([call, aborted]);
          } catch (error) {
            // Given up on: a stream that still arrives is cancelled, never left open.
            void call.then((late) => late.stream.cancel()).catch(() => {});
            if (TierTimeoutError.isInstance(error)) timedOut();
            throw error;
          }
          const reader = result.stream.getReader();
          const buffered: LanguageModelV4StreamPart[] = [];
          try {
            for (;;) {
              const next = await Promise.race([reader.read(), aborted]);
              if (next.done) break;
              if (next.value.type === 'error') throw next.value.error;
              buffered.push(next.value);
              if (!preamble.has(next.value.type)) break;
            }
          } catch (error) {
            await reader.cancel(error).catch(() => {});
            if (TierTimeoutError.isInstance(error)) timedOut();
            throw error;
          }
          return {
            ...result,
            stream: new ReadableStream<LanguageModelV4StreamPart>({
              async pull(controller) {
                const part = buffered.shift();
                if (part) return controller.enqueue(part);
                try {
                  const next = await reader.read();
                  if (next.done) controller.close();
                  else controller.enqueue(next.value);
                } catch (error) {
                  controller.error(error);
                }
              },
              cancel: (reason) => reader.cancel(reason),
            }),
          };
        },
      ),
  };
}

/** A promise that rejects with the signal's reason once it aborts (handled, so never unhandled). */
function abortedBy(signal: AbortSignal): Promise<never> {
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => {});
  return aborted;
}
