import { formatMoney, InvalidArgumentError, parseMoney } from '@karnel/core';
import { compareRates, RECURRENCE_PERIODS, type RecurrencePeriod } from './amount-expression';
import type { TreasuryBalances } from './compute-balances';
import type { ApprovalGate, TreasuryConfig } from './treasury-config';

/** An amount given to the treasury API: decimal text (`"12.30"`) or integer minor units (`1230n`). */
export type AmountInput = string | bigint;

/** A spend someone intends to make. */
export interface SpendRequest {
  /** How much; decimal text or minor units, never a float. */
  amount: AmountInput;
  /** Currency of `amount`; must be the treasury's. Default: the treasury's. */
  currency?: string;
  /** Whether the spend repeats (a subscription). Recurring spends meet `any_recurring_above`. */
  recurring?: boolean;
  /** How often a recurring spend repeats. Default `week`. */
  period?: RecurrencePeriod;
  /** The cognitive tier it pays for; checked against `inference_budget.by_model_class`. */
  modelClass?: string;
  /** The `weekly_allocation` category it counts against. */
  category?: string;
  /** A provider whose `api_quotas` (`<provider>_remaining_pct`) must not be exhausted. */
  provider?: string;
  /** Ids of gates already approved for this spend; they no longer hold it back. */
  approvedGates?: readonly string[];
}

/** What the treasury says about an intended spend. */
export interface SpendDecision {
  /** `allow`, `deny` (a budget would be exceeded), or `needs-approval` (a gate applies). */
  readonly effect: 'allow' | 'deny' | 'needs-approval';
  /** One sentence explaining the effect, naming the budget or gate. */
  readonly reason: string;
  /** For `needs-approval`: the first gate that applies. */
  readonly gate?: ApprovalGate;
  /** For `needs-approval`: every gate that applies and is not yet approved. */
  readonly gates?: readonly ApprovalGate[];
  /** For `deny`: which limit (`week`, `month`, `model_class:<tier>`, `category:<name>`, `quota:<name>`). */
  readonly limit?: string;
  /** The amount checked, in minor units. */
  readonly amount: bigint;
}

/**
 * Converts an {@link AmountInput} to minor units of the treasury's currency. Throws
 * `InvalidArgumentError` (from `@karnel/core`) for a float, a malformed text or too many decimals: such a value
 * comes from code, not from a user's file.
 */
export function toMinorUnits(
  amount: AmountInput,
  config: Pick<TreasuryConfig, 'unit'>,
  argument = 'amount',
): bigint {
  if (typeof amount === 'bigint') return amount;
  if (typeof amount !== 'string') {
    throw new InvalidArgumentError({
      argument,
      value: amount,
      message:
        'pass decimal text ("12.30") or integer minor units (1230n); floats cannot hold money exactly',
    });
  }
  const parsed = parseMoney(amount, config.unit);
  if (!parsed.ok)
    throw new InvalidArgumentError({ argument, value: amount, message: parsed.message });
  return parsed.value;
}

/**
 * Decides whether an intended spend may go ahead, given the current balances. Budgets come
 * first: a spend that would take any budget (week, month, its model class, its category) below
 * zero is denied, since no approval creates money. Otherwise each approval gate the spend
 * crosses, and that is not listed in `approvedGates`, makes it `needs-approval`.
 */
export function checkSpend(
  config: TreasuryConfig,
  balances: TreasuryBalances,
  request: SpendRequest,
): SpendDecision {
  const amount = toMinorUnits(request.amount, config);
  if (amount < 0n)
    throw new InvalidArgumentError({
      argument: 'amount',
      value: request.amount,
      message: 'a spend cannot be negative',
    });
  if (request.currency !== undefined && request.currency !== config.currency) {
    throw new InvalidArgumentError({
      argument: 'currency',
      value: request.currency,
      message: `the treasury keeps its accounts in ${config.currency}`,
    });
  }
  const period = request.period ?? 'week';
  if (!RECURRENCE_PERIODS.includes(period)) {
    throw new InvalidArgumentError({
      argument: 'period',
      value: request.period,
      message: `expected one of ${RECURRENCE_PERIODS.join(', ')}`,
    });
  }
  const money = (value: bigint) => `${formatMoney(value, config.unit)} ${config.currency}`;
  const deny = (limit: string, reason: string): SpendDecision => ({
    effect: 'deny',
    reason,
    limit,
    amount,
  });

  for (const kind of ['week', 'month'] as const) {
    const balance = balances[kind];
    if (balance.remaining !== undefined && amount > balance.remaining) {
      return deny(
        kind,
        `${money(amount)} is more than the ${kind === 'week' ? 'weekly' : 'monthly'} budget has left (${money(balance.remaining)} of ${money(balance.budget!)}, ${balance.period.label})`,
      );
    }
  }
  if (
    request.modelClass !== undefined &&
    Object.keys(config.modelClassBudgets.amounts).length > 0
  ) {
    const bucket = balances.byModelClass[request.modelClass];
    if (!bucket) {
      return deny(
        `model_class:${request.modelClass}`,
        `the inference budget has no line for model class ${request.modelClass}`,
      );
    }
    if (amount > bucket.remaining) {
      return deny(
        `model_class:${request.modelClass}`,
        `${money(amount)} is more than the ${request.modelClass} budget has left (${money(bucket.remaining)} of ${money(bucket.budget)})`,
      );
    }
  }
  if (request.category !== undefined && Object.keys(balances.byCategory).length > 0) {
    const bucket = balances.byCategory[request.category];
    if (!bucket)
      return deny(
        `category:${request.category}`,
        `weekly_allocation has no category ${request.category}`,
      );
    if (amount > bucket.remaining) {
      return deny(
        `category:${request.category}`,
        `${money(amount)} is more than the ${request.category} allocation has left this week (${money(bucket.remaining)} of ${money(bucket.budget)})`,
      );
    }
  }
  if (request.provider !== undefined) {
    for (const key of [`${request.provider}_remaining_pct`, `${request.provider}_remaining`]) {
      const remaining = config.quotas[key];
      if (remaining !== undefined && remaining <= 0)
        return deny(
          `quota:${key}`,
          `the ${request.provider} quota is exhausted (${key}: ${remaining})`,
        );
    }
  }

  const approved = new Set(request.approvedGates ?? []);
  const crossed = config.gates.filter((gate) => {
    if (approved.has(gate.id)) return false;
    if (gate.kind === 'action') return amount > gate.threshold;
    return (
      request.recurring === true && compareRates(amount, period, gate.threshold, gate.per!) > 0
    );
  });
  if (crossed.length > 0) {
    const gate = crossed[0]!;
    const threshold =
      gate.kind === 'action' ? money(gate.threshold) : `${money(gate.threshold)} per ${gate.per}`;
    const what = gate.kind === 'action' ? money(amount) : `${money(amount)} per ${period}`;
    return {
      effect: 'needs-approval',
      reason: `${what} is above gate ${gate.id} (${gate.kind === 'action' ? 'any_action_above' : 'any_recurring_above'} ${threshold}); it needs approval from ${gate.requires}`,
      gate,
      gates: crossed,
      amount,
    };
  }
  return {
    effect: 'allow',
    reason: `${money(amount)} fits every budget and crosses no approval gate`,
    amount,
  };
}
