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
  const state = startBalances(config, at);
  for (const record of records) addRecord(state, record);
  return concludeBalances(state, at);
}

/**
 * An incremental {@link computeBalances} for a treasury whose records only grow: given the same
 * records array again (grown), the same config object, and a time in the same week and month,
 * it folds only the records added since; anything else starts over. Same answers as
 * `computeBalances`, at the cost of what was appended rather than of every record ever made.
 */
export function createBalanceTracker(): (
  records: readonly TreasuryRecord[],
  config: TreasuryConfig,
  at: Date,
) => TreasuryBalances {
  let state: BalanceState | undefined;
  return (records, config, at) => {
    const time = at.getTime();
    const reusable =
      state !== undefined &&
      state.records === records &&
      state.config === config &&
      records.length >= state.seen &&
      // The same week and month: the periods (time-zone arithmetic) need not be worked out again.
      inside(state.week, time) &&
      inside(state.month, time);
    if (!reusable) state = { ...startBalances(config, at), records };
    if (state === undefined) throw new Error('unreachable');
    try {
      for (; state.seen < records.length; state.seen++) addRecord(state, records[state.seen]!);
    } catch (error) {
      state = undefined; // half-added: start over next time
      throw error;
    }
    return concludeBalances(state, at);
  };
}

interface BalanceState {
  readonly config: TreasuryConfig;
  readonly week: BudgetPeriod;
  readonly month: BudgetPeriod;
  readonly classPeriod: BudgetPeriod;
  records?: readonly TreasuryRecord[];
  seen: number;
  weekSpent: bigint;
  monthSpent: bigint;
  weekRevenue: bigint;
  monthRevenue: bigint;
  totalSpent: bigint;
  totalRevenue: bigint;
  readonly classSpent: Map<string, bigint>;
  readonly categorySpent: Map<string, bigint>;
  /** Reservations opened and not (yet) settled, in the order opened. */
  readonly open: Map<string, OpenReservation>;
  readonly settled: Set<string>;
}

function startBalances(config: TreasuryConfig, at: Date): BalanceState {
  if (Number.isNaN(at.getTime()))
    throw new InvalidArgumentError({ argument: 'at', value: at, message: 'not a valid date' });
  const periodOptions = { timeZone: config.timeZone, weekStartsOn: config.weekStartsOn };
  const week = periodContaining(at, { kind: 'week', ...periodOptions });
  const month = periodContaining(at, { kind: 'month', ...periodOptions });
  return {
    config,
    week,
    month,
    classPeriod: config.modelClassBudgets.period === 'month' ? month : week,
    seen: 0,
    weekSpent: 0n,
    monthSpent: 0n,
    weekRevenue: 0n,
    monthRevenue: 0n,
    totalSpent: 0n,
    totalRevenue: 0n,
    classSpent: new Map(),
    categorySpent: new Map(),
    open: new Map(),
    settled: new Set(),
  };
}

const inside = (period: BudgetPeriod, time: number) =>
  time >= period.start.getTime() && time < period.end.getTime();

function amountOf(
  record: TreasuryRecord & { amount: string; currency: string },
  config: TreasuryConfig,
): bigint {
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
}

function settle(state: BalanceState, id: string): void {
  state.settled.add(id);
  state.open.delete(id);
}

function addRecord(state: BalanceState, record: TreasuryRecord): void {
  const { config, week, month } = state;
  switch (record.type) {
    case 'spend.recorded': {
      const amount = amountOf(record, config);
      const time = Date.parse(record.at);
      state.totalSpent += amount;
      if (inside(week, time)) state.weekSpent += amount;
      if (inside(month, time)) state.monthSpent += amount;
      if (record.model_class !== undefined && inside(state.classPeriod, time)) {
        state.classSpent.set(
          record.model_class,
          (state.classSpent.get(record.model_class) ?? 0n) + amount,
        );
      }
      if (record.category !== undefined && inside(week, time)) {
        state.categorySpent.set(
          record.category,
          (state.categorySpent.get(record.category) ?? 0n) + amount,
        );
      }
      if (record.reservation !== undefined) settle(state, record.reservation);
      break;
    }
    case 'revenue.recorded': {
      const amount = amountOf(record, config);
      const time = Date.parse(record.at);
      state.totalRevenue += amount;
      if (inside(week, time)) state.weekRevenue += amount;
      if (inside(month, time)) state.monthRevenue += amount;
      break;
    }
    case 'reservation.opened': {
      const reservation: OpenReservation = {
        id: record.id,
        amount: amountOf(record, config),
        at: new Date(record.at),
        expiresAt: new Date(record.expires_at),
        ...(record.model_class !== undefined ? { modelClass: record.model_class } : {}),
        ...(record.category !== undefined ? { category: record.category } : {}),
        ...(record.purpose !== undefined ? { purpose: record.purpose } : {}),
      };
      // Opened again under the same id: the later record is the reservation (as a map set).
      state.open.delete(record.id);
      if (!state.settled.has(record.id)) state.open.set(record.id, reservation);
      break;
    }
    case 'reservation.released':
      settle(state, record.id);
      break;
    default:
      throw new TreasuryRecordError({
        record,
        message: `Unknown treasury record type ${(record as { type?: unknown }).type}`,
      });
  }
}

function concludeBalances(state: BalanceState, at: Date): TreasuryBalances {
  const { config } = state;
  const openReservations = [...state.open.values()].filter(
    (reservation) => reservation.expiresAt.getTime() > at.getTime(),
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
      state.classSpent.get(modelClass) ?? 0n,
      reservedFor('modelClass', modelClass),
    );
  }
  const byCategory: Record<string, BucketBalance> = {};
  if (config.budgets.week !== undefined) {
    for (const [category, basisPoints] of Object.entries(config.allocation)) {
      const budget = (config.budgets.week * BigInt(basisPoints)) / 10_000n;
      byCategory[category] = bucket(
        budget,
        state.categorySpent.get(category) ?? 0n,
        reservedFor('category', category),
      );
    }
  }
  return {
    at,
    currency: config.currency,
    minorDigits: config.minorDigits,
    week: periodBalance(state.week, 'week', state.weekSpent, state.weekRevenue),
    month: periodBalance(state.month, 'month', state.monthSpent, state.monthRevenue),
    byModelClass,
    byCategory,
    openReservations,
    skipped: [],
    totals: { spent: state.totalSpent, revenue: state.totalRevenue },
  };
}

/** Formats a balance amount in the balances' currency (`1230n` → `"12.30"`). */
export function formatBalanceAmount(
  balances: Pick<TreasuryBalances, 'minorDigits'>,
  minor: bigint,
): string {
  return formatDecimal(minor, balances.minorDigits);
}
