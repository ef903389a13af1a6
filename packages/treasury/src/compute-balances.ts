import { type Diagnostic, formatDecimal, InvalidArgumentError, parseMoney } from '@karnel/core';
import { TreasuryRecordError } from './errors';
import { type BudgetPeriod, type BudgetPeriodKind, periodContaining } from './periods';
import type { TreasuryRecord } from './records';
import type { TreasuryConfig } from './treasury-config';

/** Spend, reservations and budget for one period. */
export interface PeriodBalance {
  /** The period, with its local-midnight boundaries. */
  readonly period: BudgetPeriod;
  /** The budget for the period, if the treasury sets one. */
  readonly budget?: bigint;
  /** Spend recorded inside the period. */
  readonly spent: bigint;
  /** Money held by open reservations (they count against the current period). */
  readonly reserved: bigint;
  /** `budget − spent − reserved`; negative after an overrun; absent without a budget. */
  readonly remaining?: bigint;
  /** Revenue recorded inside the period. */
  readonly revenue: bigint;
}

/** Spend against one slice of a budget: a model class or an allocation category. */
export interface BucketBalance {
  /** The slice's ceiling. */
  readonly budget: bigint;
  /** Spend recorded against it in its period. */
  readonly spent: bigint;
  /** Money held for it by open reservations. */
  readonly reserved: bigint;
  /** `budget − spent − reserved`. */
  readonly remaining: bigint;
}

/** A reservation that still holds money. */
export interface OpenReservation {
  /** `rsv_…` id. */
  readonly id: string;
  /** Amount held, minor units. */
  readonly amount: bigint;
  /** When it was taken. */
  readonly at: Date;
  /** When it lapses. */
  readonly expiresAt: Date;
  /** Model class it is for, if any. */
  readonly modelClass?: string;
  /** Allocation category it is for, if any. */
  readonly category?: string;
  /** Why, if given. */
  readonly purpose?: string;
}

/** Balances derived from records at one instant. */
export interface TreasuryBalances {
  /** The instant the balances are for. */
  readonly at: Date;
  /** The treasury's currency. */
  readonly currency: string;
  /** Decimals of the currency, for {@link formatBalanceAmount}. */
  readonly minorDigits: number;
  /** The budget week containing `at`. */
  readonly week: PeriodBalance;
  /** The calendar month containing `at`. */
  readonly month: PeriodBalance;
  /** Per budgeted model class, in the class budgets' period. */
  readonly byModelClass: Readonly<Record<string, BucketBalance>>;
  /** Per `weekly_allocation` category, in the week. */
  readonly byCategory: Readonly<Record<string, BucketBalance>>;
  /** Reservations neither settled nor expired at `at`. */
  readonly openReservations: readonly OpenReservation[];
  /**
   * Stored entries that did not count (invalid, in another currency, quarantined), each at its
   * file and line. Set by `Treasury.balances()`; empty from {@link computeBalances}.
   */
  readonly skipped: readonly Diagnostic[];
  /** All spend and revenue ever recorded. */
  readonly totals: {
    /** Total spend. */
    readonly spent: bigint;
    /** Total revenue. */
    readonly revenue: bigint;
  };
}

/**
 * Folds treasury records into balances at `at`. A pure function of its inputs: the same records
 * always give the same balances, which is what makes them reproducible from the ledger and
 * never a figure someone typed in.
 *
 * Throws {@link TreasuryRecordError} for a record in another currency or with more decimals
 * than the currency has, rather than silently leaving money out: pass the `records` of
 * `readTreasuryRecords`, which has already set such records aside and reported them.
 */
export function computeBalances(
  records: Iterable<TreasuryRecord>,
  config: TreasuryConfig,
  at: Date,
): TreasuryBalances {
  if (Number.isNaN(at.getTime()))
    throw new InvalidArgumentError({ argument: 'at', value: at, message: 'not a valid date' });
  const periodOptions = { timeZone: config.timeZone, weekStartsOn: config.weekStartsOn };
  const week = periodContaining(at, { kind: 'week', ...periodOptions });
  const month = periodContaining(at, { kind: 'month', ...periodOptions });
  const classPeriod = config.modelClassBudgets.period === 'month' ? month : week;
  const inside = (period: BudgetPeriod, time: number) =>
    time >= period.start.getTime() && time < period.end.getTime();

  const amountOf = (record: TreasuryRecord & { amount: string; currency: string }): bigint => {
    if (record.currency !== config.currency) {
      throw new TreasuryRecordError({
        record,
        message: `A ${record.type} record is in ${record.currency}, but the treasury is in ${config.currency}`,
      });
    }
    const parsed = parseMoney(record.amount, config.unit);
    if (!parsed.ok)
      throw new TreasuryRecordError({
        record,
        message: `A ${record.type} record's amount: ${parsed.message}`,
      });
    return parsed.value;
  };

  let weekSpent = 0n;
  let monthSpent = 0n;
  let weekRevenue = 0n;
  let monthRevenue = 0n;
  let totalSpent = 0n;
  let totalRevenue = 0n;
  const classSpent = new Map<string, bigint>();
  const categorySpent = new Map<string, bigint>();
  const opened = new Map<string, OpenReservation>();
  const settled = new Set<string>();
  for (const record of records) {
    switch (record.type) {
      case 'spend.recorded': {
        const amount = amountOf(record);
        const time = Date.parse(record.at);
        totalSpent += amount;
        if (inside(week, time)) weekSpent += amount;
        if (inside(month, time)) monthSpent += amount;
        if (record.model_class !== undefined && inside(classPeriod, time)) {
          classSpent.set(record.model_class, (classSpent.get(record.model_class) ?? 0n) + amount);
        }
        if (record.category !== undefined && inside(week, time)) {
          categorySpent.set(record.category, (categorySpent.get(record.category) ?? 0n) + amount);
        }
        if (record.reservation !== undefined) settled.add(record.reservation);
        break;
      }
      case 'revenue.recorded': {
        const amount = amountOf(record);
        const time = Date.parse(record.at);
        totalRevenue += amount;
        if (inside(week, time)) weekRevenue += amount;
        if (inside(month, time)) monthRevenue += amount;
        break;
      }
      case 'reservation.opened': {
        opened.set(record.id, {
          id: record.id,
          amount: amountOf(record),
          at: new Date(record.at),
          expiresAt: new Date(record.expires_at),
          ...(record.model_class !== undefined ? { modelClass: record.model_class } : {}),
          ...(record.category !== undefined ? { category: record.category } : {}),
          ...(record.purpose !== undefined ? { purpose: record.purpose } : {}),
        });
        break;
      }
      case 'reservation.released':
        settled.add(record.id);
        break;
      default:
        throw new TreasuryRecordError({
          record,
          message: `Unknown treasury record type ${(record as { type?: unknown }).type}`,
        });
    }
  }

  const openReservations = [...opened.values()].filter(
    (reservation) => !settled.has(reservation.id) && reservation.expiresAt.getTime() > at.getTime(),
  );
  const reserved = openReservations.reduce((sum, reservation) => sum + reservation.amount, 0n);
  const reservedFor = (key: 'modelClass' | 'category', name: string) =>
    openReservations
      .filter((reservation) => reservation[key] === name)
      .reduce((sum, reservation) => sum + reservation.amount, 0n);

  const periodBalance = (
    period: BudgetPeriod,
    kind: BudgetPeriodKind,
    spent: bigint,
    revenue: bigint,
  ): PeriodBalance => {
    const budget = config.budgets[kind];
    return budget === undefined
      ? { period, spent, reserved, revenue }
      : { period, budget, spent, reserved, remaining: budget - spent - reserved, revenue };
  };
  const bucket = (budget: bigint, spent: bigint, held: bigint): BucketBalance => ({
    budget,
    spent,
    reserved: held,
    remaining: budget - spent - held,
  });

  const byModelClass: Record<string, BucketBalance> = {};
  for (const [modelClass, budget] of Object.entries(config.modelClassBudgets.amounts)) {
    byModelClass[modelClass] = bucket(
      budget,
      classSpent.get(modelClass) ?? 0n,
      reservedFor('modelClass', modelClass),
    );
  }
  const byCategory: Record<string, BucketBalance> = {};
  if (config.budgets.week !== undefined) {
    for (const [category, basisPoints] of Object.entries(config.allocation)) {
      const budget = (config.budgets.week * BigInt(basisPoints)) / 10_000n;
      byCategory[category] = bucket(
        budget,
        categorySpent.get(category) ?? 0n,
        reservedFor('category', category),
      );
    }
  }
  return {
    at,
    currency: config.currency,
    minorDigits: config.minorDigits,
    week: periodBalance(week, 'week', weekSpent, weekRevenue),
    month: periodBalance(month, 'month', monthSpent, monthRevenue),
    byModelClass,
    byCategory,
    openReservations,
    skipped: [],
    totals: { spent: totalSpent, revenue: totalRevenue },
  };
}

/** Formats a balance amount in the balances' currency (`1230n` → `"12.30"`). */
export function formatBalanceAmount(
  balances: Pick<TreasuryBalances, 'minorDigits'>,
  minor: bigint,
): string {
  return formatDecimal(minor, balances.minorDigits);
}
