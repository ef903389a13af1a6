import { InvalidArgumentError } from './errors';
import { formatDecimal, type MoneyResult, parseDecimal } from './money';
import { type Currency, MAX_CURRENCY_DECIMALS } from './money-currency';

/**
 * Decimals of a price or cost: exact to `10^-12` of the currency unit, enough for a price of
 * `0.15` per million tokens (`0.00000015` per token) and any sum of such costs. A cost is held
 * as a `bigint` count of these units.
 */
export const COST_DECIMALS = 12;

/** Parses a price or cost (`"0.0000375"`) into units of `10^-12`; same grammar as every amount. */
export function parseCost(value: unknown): MoneyResult<bigint> {
  return parseDecimal(value, COST_DECIMALS, 'costs');
}

/** Formats a cost in units of `10^-12` in its shortest exact form (`37_500_000n` → `"0.0000375"`). */
export function formatCost(units: bigint): string {
  return formatDecimal(units, COST_DECIMALS, { trim: true });
}

/**
 * The running totals of costs charged to an account: the exact sum of the costs and the minor
 * units charged for them so far. Rebuild it by folding the same costs again; it is never
 * stored on its own.
 */
export interface CostCarry {
  /** Exact sum of the costs so far, in units of `10^-12`. */
  readonly exact: bigint;
  /** Minor units charged so far: always the exact sum rounded up to the minor unit. */
  readonly charged: bigint;
}

/** What {@link chargeCost} charges for one cost. */
export interface CostCharge {
  /** The minor units to record for this cost (often `0n` for a tiny cost). */
  readonly minor: bigint;
  /** The running totals after it. */
  readonly carry: CostCarry;
}

/** The carry before any cost. */
export const EMPTY_COST_CARRY: CostCarry = { exact: 0n, charged: 0n };

/**
 * Converts one exact cost into the minor units to charge for it, by the one conversion rule
 * (spec/treasury.md, section 1.3): the running exact total is rounded **up** to the minor unit
 * once, and each cost is charged the difference that makes. So the charges always add up to
 * the exact total rounded up (never less than was spent, less than one minor unit more), and no
 * rounding error accumulates however many costs there are.
 *
 * @returns the minor units to record for this cost (often `0n` for a tiny cost) and the new carry.
 */
export function chargeCost(
  carry: CostCarry,
  cost: bigint,
  currency: Pick<Currency, 'decimals'>,
): CostCharge {
  if (cost < 0n)
    throw new InvalidArgumentError({
      argument: 'cost',
      value: cost,
      message: 'a cost is never negative',
    });
  if (
    !Number.isInteger(currency.decimals) ||
    currency.decimals < 0 ||
    currency.decimals > MAX_CURRENCY_DECIMALS
  )
    throw new InvalidArgumentError({
      argument: 'currency',
      value: currency,
      message: `a currency has 0 to ${MAX_CURRENCY_DECIMALS} decimals`,
    });
  const exact = carry.exact + cost;
  const step = 10n ** BigInt(COST_DECIMALS - currency.decimals);
  const charged = (exact + step - 1n) / step;
  return { minor: charged - carry.charged, carry: { exact, charged } };
}

/** Converts a sequence of costs with {@link chargeCost}, from an empty carry: one charge per cost. */
export function chargeCosts(
  costs: Iterable<bigint>,
  currency: Pick<Currency, 'decimals'>,
): bigint[] {
  let carry = EMPTY_COST_CARRY;
  const charges: bigint[] = [];
  for (const cost of costs) {
    const result = chargeCost(carry, cost, currency);
    charges.push(result.minor);
    carry = result.carry;
  }
  return charges;
}
