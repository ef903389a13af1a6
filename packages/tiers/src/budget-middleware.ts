import type {
  LanguageModelV4CallOptions,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import {
  type CostCarry,
  type Currency,
  chargeCost,
  EMPTY_COST_CARRY,
  formatMoney,
} from '@karnel/core';
import type { Treasury } from '@karnel/treasury';
import { BudgetExceededError } from './errors';
import { observeStream } from './observe-stream';
import type { SettleHandoff } from './settle-handoff';
import type { CandidatePrice } from './tiers-config';
import { chargedTokens, DEFAULT_MAX_OUTPUT_TOKENS, usageCost, worstCaseCost } from './usage-cost';

/** What the budget middleware needs of a treasury: `@karnel/treasury`'s `Treasury` has it. */
export type BudgetTreasury = Pick<Treasury, 'config' | 'reserve' | 'commit' | 'release'>;

/** Options of {@link createBudgetMiddleware}. */
export interface BudgetMiddlewareOptions {
  /** The treasury to reserve and charge through. */
  treasury: BudgetTreasury;
  /** The tier the calls are for (the treasury's `modelClass`). */
  tier: string;
  /** The model's prices. */
  price: CandidatePrice;
  /** The candidate id, for records and errors. Default: the wrapped model's `provider:modelId`. */
  candidate?: string;
  /** The run the calls belong to (`run_…`), recorded with each spend. */
  run?: string;
  /**
   * The output cap set on a call that gives none, so its reservation bounds it. Default 4 096.
   */
  defaultMaxOutputTokens?: number;
}

interface Meter {
  carry: CostCarry;
  unit: Promise<Currency>;
}

// One carry per treasury in this process: the one carried-rounding rule (spec/treasury.md, 1.3)
// is applied to every call charged to it, whichever middleware instance made the call.
const meters = new WeakMap<BudgetTreasury, Meter>();

function meterOf(treasury: BudgetTreasury): Meter {
  let meter = meters.get(treasury);
  if (!meter) {
    const unit = treasury.config().then((config) => config.unit);
    unit.catch(() => meters.delete(treasury));
    meter = { carry: EMPTY_COST_CARRY, unit };
    meters.set(treasury, meter);
  }
  return meter;
}

/**
 * Middleware that makes every call pay its way through the treasury (Annex D, section 5):
 * before the call it reserves the worst case (input estimate × input price + `maxOutputTokens`
 * × output price; a call without a cap gets `defaultMaxOutputTokens`), and a refusal throws
 * {@link BudgetExceededError} before anything is sent. After the call it charges the real cost
 * (cached input at its price) by the carried-rounding rule and releases the rest. A call that
 * fails before output releases its reservation; a call that produced output but reports no
 * usage (a stream cut mid-way) is charged its worst case (`worstCaseCost`).
 */
export function createBudgetMiddleware(
  options: BudgetMiddlewareOptions,
): LanguageModelV4Middleware {
  return budgetMiddleware(options, undefined);
}

/**
 * {@link createBudgetMiddleware}, handing each call's settle to `handoff` instead of awaiting
 * it (the ledger middleware around it awaits it together with its entry). Not exported from
 * the package: only `openTierModel` wires the two middlewares together.
 */
export function budgetMiddleware(
  options: BudgetMiddlewareOptions,
  handoff: SettleHandoff | undefined,
): LanguageModelV4Middleware {
  const {
    treasury,
    tier,
    price,
    run,
    defaultMaxOutputTokens = DEFAULT_MAX_OUTPUT_TOKENS,
  } = options;
  const free = price.input === 0n && price.output === 0n && price.cachedInput === 0n;
  const step = (unit: Currency) => 10n ** BigInt(12 - unit.decimals);

  async function reserve(params: LanguageModelV4CallOptions, candidate: string) {
    const meter = meterOf(treasury);
    const unit = await meter.unit;
    const worst = worstCaseCost(params, price, defaultMaxOutputTokens);
    const amount = (worst + step(unit) - 1n) / step(unit);
    const result = await treasury.reserve({
      amount,
      modelClass: tier,
      provider: candidate.slice(0, candidate.indexOf(':')),
      purpose: `model call ${candidate}`,
    });
    if (!result.ok)
      throw new BudgetExceededError({
        tier,
        candidate,
        amount: `${formatMoney(amount, unit)} ${unit.code}`,
        effect: result.decision.effect,
        reason: result.decision.reason,
      });
    return { meter, unit, worst, reservation: result.reservation };
  }

  async function settle(
    held: Awaited<ReturnType<typeof reserve>>,
    usage: LanguageModelV4Usage | undefined,
    sawOutput: boolean,
  ) {
    const tokens = chargedTokens(usage);
    if (!tokens && !sawOutput) {
      await treasury.release(held.reservation, 'the call failed before any output');
      return;
    }
    const cost = tokens ? usageCost(tokens, price) : held.worst;
    const { minor, carry } = chargeCost(held.meter.carry, cost, held.unit);
    held.meter.carry = carry;
    await treasury.commit(held.reservation, {
      actual: minor,
      ...(run ? { run } : {}),
      description: `model call ${options.candidate ?? ''}`.trim(),
    });
  }

  return {
    specificationVersion: 'v4',
    transformParams: async ({ params }) =>
      params.maxOutputTokens === undefined
        ? { ...params, maxOutputTokens: defaultMaxOutputTokens }
        : params,
    wrapGenerate: async ({ doGenerate, params, model }) => {
      if (free) return doGenerate();
      const candidate = options.candidate ?? `${model.provider}:${model.modelId}`;
      const held = await reserve(params, candidate);
      let result: Awaited<ReturnType<typeof doGenerate>>;
      try {
        result = await doGenerate();
      } catch (error) {
        await treasury.release(held.reservation, 'the call failed');
        throw error;
      }
      const settling = settle(held, result.usage, true);
      if (handoff) handoff.give(result, settling);
      else await settling;
      return result;
    },
    wrapStream: async ({ doStream, params, model }) => {
      if (free) return doStream();
      const candidate = options.candidate ?? `${model.provider}:${model.modelId}`;
      const held = await reserve(params, candidate);
      let result: Awaited<ReturnType<typeof doStream>>;
      try {
        result = await doStream();
      } catch (error) {
        await treasury.release(held.reservation, 'the call failed');
        throw error;
      }
      let usage: LanguageModelV4Usage | undefined;
      let sawOutput = false;
      const stream: ReadableStream<LanguageModelV4StreamPart> =
        observeStream<LanguageModelV4StreamPart>(
          result.stream,
          (part) => {
            if (part.type === 'finish') usage = part.usage;
            else if (
              part.type !== 'stream-start' &&
              part.type !== 'response-metadata' &&
              part.type !== 'error'
            )
              sawOutput = true;
          },
          (end) => {
            const settling = settle(held, usage, sawOutput);
            // A cancel reaches the ledger middleware outside first, before this: it cannot wait
            // for a settle handed over after it, so this one is awaited here.
            if (!handoff || end === 'cancel') return settling;
            handoff.give(stream, settling);
          },
        );
      return { ...result, stream };
    },
  };
}
