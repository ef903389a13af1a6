import {
  chargeCost,
  EMPTY_COST_CARRY,
  formatCost,
  formatMoney,
  parseCost,
  parseMoney,
} from '@karnel/core';
import { ReservationStateError, type Treasury } from '@karnel/treasury';

/** The steps of an AI SDK result, as far as their cost goes. */
interface CostedStep {
  readonly providerMetadata?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * The exact cost of a review's model calls: the sum of `providerMetadata.karnel.cost` of each
 * step (the runtime's model source prices each call by the candidate that answered), as a
 * decimal. A model that states no cost costs nothing.
 */
export function reviewModelCost(steps: readonly CostedStep[]): string {
  let units = 0n;
  for (const step of steps) {
    const parsed = parseCost(step.providerMetadata?.karnel?.cost ?? '0');
    if (parsed.ok) units += parsed.value;
  }
  return formatCost(units);
}

/** A review's hold on the treasury, taken before its first model call. */
export interface ReviewReservation {
  /** The reservation's id, when the treasury granted one. */
  readonly id?: string;
  /** Why the treasury refused, when it did. */
  readonly refused?: string;
}

/**
 * Reserves the worst case of a review on its own budget line (the tier it runs on), with a
 * purpose naming it. A `maxCost` the treasury currency cannot hold is refused like a budget.
 */
export async function reserveReview(
  treasury: Treasury,
  input: { readonly maxCost: string; readonly tier: string; readonly purpose: string },
): Promise<ReviewReservation> {
  const unit = (await treasury.config()).unit;
  const amount = parseMoney(input.maxCost, unit);
  if (!amount.ok) return { refused: `the review's most cost "${input.maxCost}" is not an amount` };
  const result = await treasury.reserve({
    amount: formatMoney(amount.value, unit),
    modelClass: input.tier,
    purpose: input.purpose,
  });
  if (!result.ok) return { refused: result.decision.reason };
  return { id: result.reservation.id };
}

/**
 * Settles a review's cost against its reservation, charged by the one rounding rule (the exact
 * cost rounded up to the currency's minor unit): a commit when it spent something (the rest is
 * released), a release when it spent nothing. Returns the amount charged, a decimal.
 */
export async function settleReview(
  treasury: Treasury,
  reservationId: string | undefined,
  cost: string,
  input: { readonly run: string; readonly description: string },
): Promise<string> {
  const unit = (await treasury.config()).unit;
  const exact = parseCost(cost);
  const minor = chargeCost(EMPTY_COST_CARRY, exact.ok ? exact.value : 0n, unit).minor;
  if (reservationId) {
    if (minor > 0n)
      await treasury.commit(reservationId, {
        actual: minor,
        run: input.run,
        description: input.description,
      });
    else await treasury.release(reservationId, `${input.description}: spent nothing`);
  }
  return formatMoney(minor, unit);
}

/** Gives a review's reservation back (the review failed before spending), ignoring one already settled. */
export async function releaseReview(
  treasury: Treasury,
  reservationId: string | undefined,
  why: string,
): Promise<void> {
  if (!reservationId) return;
  await treasury.release(reservationId, why).catch((error: unknown) => {
    if (!ReservationStateError.isInstance(error)) throw error;
  });
}
