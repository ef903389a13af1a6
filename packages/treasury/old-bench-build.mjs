// ../../../tmp/m/old/packages/treasury/src/allocation-rules-schema.ts
import { z } from "zod";
var percentTextSchema = z.union([
  z.string(),
  z.number().transform((value) => String(value))
]);
var gateAmountSchema = z.union([
  z.string(),
  z.number().transform((value) => String(value))
]);
var approvalGateSchema = z.strictObject({
  /** A stable name for the gate; default `approval_gates[<index>]`. */
  id: z.string().min(1).optional(),
  /** Why the gate exists, for the approver. */
  description: z.string().optional(),
  /** Any single spend above this amount needs approval (`25.00`). */
  any_action_above: gateAmountSchema.optional(),
  /** Any recurring spend above this rate needs approval (`5.00_per_week`). */
  any_recurring_above: gateAmountSchema.optional(),
  /** The member role whose approval is needed (`human_owner`). */
  requires: z.string().min(1)
});
var allocationRulesFileSchema = z.strictObject({
  /** Shares of the weekly budget per spending category; they must add up to 100%. */
  weekly_allocation: z.record(z.string(), percentTextSchema).optional(),
  /** Thresholds above which a spend waits for a role's approval. */
  approval_gates: z.array(approvalGateSchema).optional()
});

// ../../../tmp/m/old/packages/treasury/src/amount-expression.ts
var RECURRENCE_PERIODS = ["day", "week", "month", "year"];
var expressionPattern = /^(?:([A-Za-z]{3})\s+)?([+-]?\d+(?:\.\d+)?)(?:\s*([A-Za-z]{3}))??(?:(?:_per_|\s+per\s+|\s*\/\s*)(day|week|month|year))?$/;
function parseAmountExpression(text) {
  const match = expressionPattern.exec(text.trim());
  if (!match) {
    return {
      ok: false,
      message: `"${text}" is not an amount; write it like 25.00, "25.00 USD" or 5.00_per_week`
    };
  }
  const [, before, amount, after, per] = match;
  if (before && after) {
    return { ok: false, message: `"${text}" names a currency twice` };
  }
  const currency = before ?? after;
  if (currency && currency !== currency.toUpperCase()) {
    return {
      ok: false,
      message: `"${text}": write the currency code in capitals (${currency.toUpperCase()})`
    };
  }
  return {
    ok: true,
    value: {
      amount,
      ...currency ? { currency } : {},
      ...per ? { per } : {}
    }
  };
}
var sixteenthsOfADay = {
  day: 16n,
  week: 112n,
  month: 487n,
  year: 5844n
};
function compareRates(a, aPer, b, bPer) {
  const left = a * sixteenthsOfADay[bPer];
  const right = b * sixteenthsOfADay[aPer];
  return left < right ? -1 : left > right ? 1 : 0;
}

// ../../../tmp/m/old/packages/treasury/src/balances-schema.ts
import { timestampSchema } from "@karnel/core";
import { z as z2 } from "zod";

// ../../../tmp/m/old/packages/treasury/src/periods.ts
import { InvalidArgumentError } from "@karnel/core";
var WEEKDAYS = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday"
];
var formatters = /* @__PURE__ */ new Map();
function formatterFor(timeZone) {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      hourCycle: "h23",
      era: "short"
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}
function isTimeZone(timeZone) {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}
function localParts(instant, timeZone) {
  const fields = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) fields[part.type] = part.value;
  const year = Number(fields.year);
  return {
    year: fields.era === "BC" || fields.era === "B" ? 1 - year : year,
    month: Number(fields.month),
    day: Number(fields.day),
    hour: Number(fields.hour),
    minute: Number(fields.minute),
    second: Number(fields.second)
  };
}
function localDateOf(instant, timeZone) {
  const { year, month, day } = localParts(instant.getTime(), requireTimeZone(timeZone));
  return { year, month, day };
}
function dateKey(date) {
  return date.year * 1e4 + date.month * 100 + date.day;
}
function startOfLocalDay(date, timeZone) {
  requireTimeZone(timeZone);
  const target = dateKey(date);
  const wallClock = Date.UTC(date.year, date.month - 1, date.day);
  const offsetAt = (instant) => {
    const local = localParts(instant, timeZone);
    const asUtc = Date.UTC(
      local.year,
      local.month - 1,
      local.day,
      local.hour,
      local.minute,
      local.second
    );
    return asUtc - Math.floor(instant / 1e3) * 1e3;
  };
  let candidate = wallClock - offsetAt(wallClock);
  candidate = wallClock - offsetAt(candidate);
  const startsHere = (instant) => dateKey(localParts(instant, timeZone)) >= target && dateKey(localParts(instant - 1, timeZone)) < target;
  if (startsHere(candidate)) return new Date(candidate);
  let low = wallClock - 27 * 36e5;
  let high = wallClock + 27 * 36e5;
  while (high - low > 1) {
    const middle = low + Math.floor((high - low) / 2);
    if (dateKey(localParts(middle, timeZone)) >= target) high = middle;
    else low = middle;
  }
  return new Date(high);
}
function addDays(date, days) {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate()
  };
}
function formatDate(date) {
  return `${String(date.year).padStart(4, "0")}-${String(date.month).padStart(2, "0")}-${String(date.day).padStart(2, "0")}`;
}
function periodContaining(instant, { kind, timeZone = "UTC", weekStartsOn = "monday" }) {
  if (Number.isNaN(instant.getTime())) {
    throw new InvalidArgumentError({
      argument: "instant",
      value: instant,
      message: "not a valid date"
    });
  }
  const today = localDateOf(instant, timeZone);
  let first;
  let next;
  if (kind === "month") {
    first = { year: today.year, month: today.month, day: 1 };
    next = today.month === 12 ? { year: today.year + 1, month: 1, day: 1 } : { year: today.year, month: today.month + 1, day: 1 };
  } else {
    const startIndex = WEEKDAYS.indexOf(weekStartsOn);
    if (startIndex < 0) {
      throw new InvalidArgumentError({
        argument: "weekStartsOn",
        value: weekStartsOn,
        message: `expected one of ${WEEKDAYS.join(", ")}`
      });
    }
    const weekday = (new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay() + 6) % 7;
    first = addDays(today, -((weekday - startIndex + 7) % 7));
    next = addDays(first, 7);
  }
  const startDate = formatDate(first);
  return {
    kind,
    start: startOfLocalDay(first, timeZone),
    end: startOfLocalDay(next, timeZone),
    startDate,
    label: kind === "month" ? startDate.slice(0, 7) : `week of ${startDate}`,
    timeZone
  };
}
function requireTimeZone(timeZone) {
  if (!isTimeZone(timeZone)) {
    throw new InvalidArgumentError({
      argument: "timeZone",
      value: timeZone,
      message: "not an IANA time zone the engine knows"
    });
  }
  return timeZone;
}

// ../../../tmp/m/old/packages/treasury/src/balances-schema.ts
var decimalPattern = /^[+-]?\d+(\.\d+)?$/;
var amountTextSchema = z2.union([z2.string(), z2.number().transform((value) => String(value))]).superRefine((value, context) => {
  if (!decimalPattern.test(value.trim()) || value.trim().startsWith("-")) {
    context.addIssue({
      code: "custom",
      message: `"${value}" is not an amount; write a non-negative decimal like 12.30`,
      params: { diagnosticCode: "treasury/invalid-amount" }
    });
  }
});
var quotaValueSchema = z2.union([z2.string(), z2.number().transform((value) => String(value))]).superRefine((value, context) => {
  if (!decimalPattern.test(value.trim()) || value.trim().startsWith("-")) {
    context.addIssue({
      code: "custom",
      message: `"${value}" is not a non-negative number`,
      params: { diagnosticCode: "treasury/invalid-quota" }
    });
  }
}).transform((value) => Number(value));
var financialSchema = z2.strictObject({
  /** ISO 4217 code every amount in the treasury is in. Optional; default `USD`. */
  currency: z2.string().optional(),
  /** IANA time zone whose midnight rolls the periods over. Optional; default `UTC`. */
  time_zone: z2.string().optional(),
  /** First day of a budget week. Optional; default `monday`. */
  week_starts_on: z2.enum(WEEKDAYS).optional(),
  /** The most the group may spend in one budget week. */
  budget_weekly: amountTextSchema.optional(),
  /** The most the group may spend in one calendar month. */
  budget_monthly: amountTextSchema.optional(),
  /** Derived: spend recorded in the week of `as_of`. Written by the treasury, never by hand. */
  spent_this_week: amountTextSchema.optional(),
  /** Derived: spend recorded in the month of `as_of`. Written by the treasury, never by hand. */
  spent_this_month: amountTextSchema.optional(),
  /** Derived: revenue recorded in the month of `as_of`. Written by the treasury, never by hand. */
  revenue_mtd: amountTextSchema.optional(),
  /** When the derived figures were computed (RFC 3339). */
  as_of: timestampSchema.optional()
});
var budgetPeriodSchema = z2.enum([
  "week",
  "month"
]);
var inferenceBudgetSchema = z2.strictObject({
  /** The period the class budgets are per. Optional; default `week`. */
  period: budgetPeriodSchema.optional(),
  /** Ceiling per cognitive tier (`frontier-reasoning: 15.00`). */
  by_model_class: z2.record(z2.string(), amountTextSchema)
});
var balancesFileSchema = z2.strictObject({
  /** Currency, time zone, budgets and the derived spend and revenue figures. */
  financial: financialSchema,
  /** Spend ceilings per cognitive tier. */
  inference_budget: inferenceBudgetSchema.optional(),
  /** What is left of each provider's quota (`anthropic_remaining_pct: 0.78`). */
  api_quotas: z2.record(z2.string(), quotaValueSchema).optional()
});

// ../../../tmp/m/old/packages/treasury/src/check-spend.ts
import { InvalidArgumentError as InvalidArgumentError2 } from "@karnel/core";

// ../../../tmp/m/old/packages/treasury/src/money.ts
var decimalPattern2 = /^([+-])?(\d+)(?:\.(\d+))?$/;
var knownCurrencies;
function isCurrencyCode(code) {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  knownCurrencies ??= new Set(Intl.supportedValuesOf("currency"));
  return knownCurrencies.has(code);
}
function currencyCodes() {
  knownCurrencies ??= new Set(Intl.supportedValuesOf("currency"));
  return [...knownCurrencies];
}
function currencyMinorDigits(currency) {
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
}
function parseDecimalAmount(text, minorDigits) {
  const match = decimalPattern2.exec(text.trim());
  if (!match) {
    return { ok: false, message: `"${text}" is not a decimal amount (write it like 12.30)` };
  }
  const [, sign, whole, fraction = ""] = match;
  const significant = fraction.replace(/0+$/, "");
  if (significant.length > minorDigits) {
    return {
      ok: false,
      message: minorDigits === 0 ? `"${text}" has decimals, but this currency has no minor unit` : `"${text}" has more than ${minorDigits} decimal${minorDigits === 1 ? "" : "s"}, finer than this currency allows`
    };
  }
  const minor = BigInt(whole + significant.padEnd(minorDigits, "0"));
  return { ok: true, minor: sign === "-" ? -minor : minor };
}
function formatMinorUnits(minor, minorDigits) {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(minorDigits + 1, "0");
  const whole = digits.slice(0, digits.length - minorDigits);
  const fraction = digits.slice(digits.length - minorDigits);
  return `${negative ? "-" : ""}${whole}${minorDigits > 0 ? `.${fraction}` : ""}`;
}
function parsePercent(text) {
  const match = /^(\d+)(?:\.(\d{1,2}))?\s*%$/.exec(text.trim());
  if (!match) {
    return { ok: false, message: `"${text}" is not a percentage (write it like 60% or 12.5%)` };
  }
  const basisPoints = Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
  return { ok: true, basisPoints };
}
function formatBasisPoints(basisPoints) {
  const whole = Math.trunc(basisPoints / 100);
  const fraction = String(basisPoints % 100).padStart(2, "0").replace(/0+$/, "");
  return `${whole}${fraction ? `.${fraction}` : ""}%`;
}

// ../../../tmp/m/old/packages/treasury/src/check-spend.ts
function toMinorUnits(amount, config, argument = "amount") {
  if (typeof amount === "bigint") return amount;
  if (typeof amount !== "string") {
    throw new InvalidArgumentError2({
      argument,
      value: amount,
      message: 'pass decimal text ("12.30") or integer minor units (1230n); floats cannot hold money exactly'
    });
  }
  const parsed = parseDecimalAmount(amount, config.minorDigits);
  if (!parsed.ok)
    throw new InvalidArgumentError2({ argument, value: amount, message: parsed.message });
  return parsed.minor;
}
function checkSpend(config, balances, request) {
  const amount = toMinorUnits(request.amount, config);
  if (amount < 0n)
    throw new InvalidArgumentError2({
      argument: "amount",
      value: request.amount,
      message: "a spend cannot be negative"
    });
  if (request.currency !== void 0 && request.currency !== config.currency) {
    throw new InvalidArgumentError2({
      argument: "currency",
      value: request.currency,
      message: `the treasury keeps its accounts in ${config.currency}`
    });
  }
  const period = request.period ?? "week";
  if (!RECURRENCE_PERIODS.includes(period)) {
    throw new InvalidArgumentError2({
      argument: "period",
      value: request.period,
      message: `expected one of ${RECURRENCE_PERIODS.join(", ")}`
    });
  }
  const money = (value) => `${formatMinorUnits(value, config.minorDigits)} ${config.currency}`;
  const deny = (limit, reason) => ({
    effect: "deny",
    reason,
    limit,
    amount
  });
  for (const kind of ["week", "month"]) {
    const balance = balances[kind];
    if (balance.remaining !== void 0 && amount > balance.remaining) {
      return deny(
        kind,
        `${money(amount)} is more than the ${kind === "week" ? "weekly" : "monthly"} budget has left (${money(balance.remaining)} of ${money(balance.budget)}, ${balance.period.label})`
      );
    }
  }
  if (request.modelClass !== void 0 && Object.keys(config.modelClassBudgets.amounts).length > 0) {
    const bucket = balances.byModelClass[request.modelClass];
    if (!bucket) {
      return deny(
        `model_class:${request.modelClass}`,
        `the inference budget has no line for model class ${request.modelClass}`
      );
    }
    if (amount > bucket.remaining) {
      return deny(
        `model_class:${request.modelClass}`,
        `${money(amount)} is more than the ${request.modelClass} budget has left (${money(bucket.remaining)} of ${money(bucket.budget)})`
      );
    }
  }
  if (request.category !== void 0 && Object.keys(balances.byCategory).length > 0) {
    const bucket = balances.byCategory[request.category];
    if (!bucket)
      return deny(
        `category:${request.category}`,
        `weekly_allocation has no category ${request.category}`
      );
    if (amount > bucket.remaining) {
      return deny(
        `category:${request.category}`,
        `${money(amount)} is more than the ${request.category} allocation has left this week (${money(bucket.remaining)} of ${money(bucket.budget)})`
      );
    }
  }
  if (request.provider !== void 0) {
    for (const key of [`${request.provider}_remaining_pct`, `${request.provider}_remaining`]) {
      const remaining = config.quotas[key];
      if (remaining !== void 0 && remaining <= 0)
        return deny(
          `quota:${key}`,
          `the ${request.provider} quota is exhausted (${key}: ${remaining})`
        );
    }
  }
  const approved = new Set(request.approvedGates ?? []);
  const crossed = config.gates.filter((gate) => {
    if (approved.has(gate.id)) return false;
    if (gate.kind === "action") return amount > gate.threshold;
    return request.recurring === true && compareRates(amount, period, gate.threshold, gate.per) > 0;
  });
  if (crossed.length > 0) {
    const gate = crossed[0];
    const threshold = gate.kind === "action" ? money(gate.threshold) : `${money(gate.threshold)} per ${gate.per}`;
    const what = gate.kind === "action" ? money(amount) : `${money(amount)} per ${period}`;
    return {
      effect: "needs-approval",
      reason: `${what} is above gate ${gate.id} (${gate.kind === "action" ? "any_action_above" : "any_recurring_above"} ${threshold}); it needs approval from ${gate.requires}`,
      gate,
      gates: crossed,
      amount
    };
  }
  return {
    effect: "allow",
    reason: `${money(amount)} fits every budget and crosses no approval gate`,
    amount
  };
}

// ../../../tmp/m/old/packages/treasury/src/compute-balances.ts
import { InvalidArgumentError as InvalidArgumentError3 } from "@karnel/core";

// ../../../tmp/m/old/packages/treasury/src/errors.ts
import { KarnelError } from "@karnel/core";
var recordMarker = /* @__PURE__ */ Symbol.for("karnel.error.TreasuryRecordError");
var TreasuryRecordError = class extends KarnelError {
  [recordMarker] = true;
  /** The offending record, as stored. */
  record;
  constructor({ record, message, cause }) {
    super({ name: "TreasuryRecordError", message, cause });
    this.record = record;
  }
  /** Whether `error` is a {@link TreasuryRecordError} from any copy of this package. */
  static isInstance(error) {
    return KarnelError.hasMarker(error, "karnel.error.TreasuryRecordError");
  }
};
var reservationMarker = /* @__PURE__ */ Symbol.for("karnel.error.ReservationStateError");
var ReservationStateError = class extends KarnelError {
  [reservationMarker] = true;
  /** The reservation id given. */
  reservationId;
  /** What the reservation's state was: `unknown`, `committed` or `released`. */
  state;
  constructor({
    reservationId,
    state
  }) {
    super({
      name: "ReservationStateError",
      message: state === "unknown" ? `No reservation ${reservationId} in this treasury` : `Reservation ${reservationId} is already ${state}`
    });
    this.reservationId = reservationId;
    this.state = state;
  }
  /** Whether `error` is a {@link ReservationStateError} from any copy of this package. */
  static isInstance(error) {
    return KarnelError.hasMarker(error, "karnel.error.ReservationStateError");
  }
};

// ../../../tmp/m/old/packages/treasury/src/compute-balances.ts
function computeBalances(records, config, at) {
  if (Number.isNaN(at.getTime()))
    throw new InvalidArgumentError3({ argument: "at", value: at, message: "not a valid date" });
  const periodOptions = { timeZone: config.timeZone, weekStartsOn: config.weekStartsOn };
  const week = periodContaining(at, { kind: "week", ...periodOptions });
  const month = periodContaining(at, { kind: "month", ...periodOptions });
  const classPeriod = config.modelClassBudgets.period === "month" ? month : week;
  const inside = (period, time) => time >= period.start.getTime() && time < period.end.getTime();
  const amountOf = (record) => {
    if (record.currency !== config.currency) {
      throw new TreasuryRecordError({
        record,
        message: `A ${record.type} record is in ${record.currency}, but the treasury is in ${config.currency}`
      });
    }
    const parsed = parseDecimalAmount(record.amount, config.minorDigits);
    if (!parsed.ok)
      throw new TreasuryRecordError({
        record,
        message: `A ${record.type} record's amount: ${parsed.message}`
      });
    return parsed.minor;
  };
  let weekSpent = 0n;
  let monthSpent = 0n;
  let weekRevenue = 0n;
  let monthRevenue = 0n;
  let totalSpent = 0n;
  let totalRevenue = 0n;
  const classSpent = /* @__PURE__ */ new Map();
  const categorySpent = /* @__PURE__ */ new Map();
  const opened = /* @__PURE__ */ new Map();
  const settled = /* @__PURE__ */ new Set();
  for (const record of records) {
    switch (record.type) {
      case "spend.recorded": {
        const amount = amountOf(record);
        const time = Date.parse(record.at);
        totalSpent += amount;
        if (inside(week, time)) weekSpent += amount;
        if (inside(month, time)) monthSpent += amount;
        if (record.model_class !== void 0 && inside(classPeriod, time)) {
          classSpent.set(record.model_class, (classSpent.get(record.model_class) ?? 0n) + amount);
        }
        if (record.category !== void 0 && inside(week, time)) {
          categorySpent.set(record.category, (categorySpent.get(record.category) ?? 0n) + amount);
        }
        if (record.reservation !== void 0) settled.add(record.reservation);
        break;
      }
      case "revenue.recorded": {
        const amount = amountOf(record);
        const time = Date.parse(record.at);
        totalRevenue += amount;
        if (inside(week, time)) weekRevenue += amount;
        if (inside(month, time)) monthRevenue += amount;
        break;
      }
      case "reservation.opened": {
        opened.set(record.id, {
          id: record.id,
          amount: amountOf(record),
          at: new Date(record.at),
          expiresAt: new Date(record.expires_at),
          ...record.model_class !== void 0 ? { modelClass: record.model_class } : {},
          ...record.category !== void 0 ? { category: record.category } : {},
          ...record.purpose !== void 0 ? { purpose: record.purpose } : {}
        });
        break;
      }
      case "reservation.released":
        settled.add(record.id);
        break;
      default:
        throw new TreasuryRecordError({
          record,
          message: `Unknown treasury record type ${record.type}`
        });
    }
  }
  const openReservations = [...opened.values()].filter(
    (reservation) => !settled.has(reservation.id) && reservation.expiresAt.getTime() > at.getTime()
  );
  const reserved = openReservations.reduce((sum, reservation) => sum + reservation.amount, 0n);
  const reservedFor = (key, name) => openReservations.filter((reservation) => reservation[key] === name).reduce((sum, reservation) => sum + reservation.amount, 0n);
  const periodBalance = (period, kind, spent, revenue) => {
    const budget = config.budgets[kind];
    return budget === void 0 ? { period, spent, reserved, revenue } : { period, budget, spent, reserved, remaining: budget - spent - reserved, revenue };
  };
  const bucket = (budget, spent, held) => ({
    budget,
    spent,
    reserved: held,
    remaining: budget - spent - held
  });
  const byModelClass = {};
  for (const [modelClass, budget] of Object.entries(config.modelClassBudgets.amounts)) {
    byModelClass[modelClass] = bucket(
      budget,
      classSpent.get(modelClass) ?? 0n,
      reservedFor("modelClass", modelClass)
    );
  }
  const byCategory = {};
  if (config.budgets.week !== void 0) {
    for (const [category, basisPoints] of Object.entries(config.allocation)) {
      const budget = config.budgets.week * BigInt(basisPoints) / 10000n;
      byCategory[category] = bucket(
        budget,
        categorySpent.get(category) ?? 0n,
        reservedFor("category", category)
      );
    }
  }
  return {
    at,
    currency: config.currency,
    minorDigits: config.minorDigits,
    week: periodBalance(week, "week", weekSpent, weekRevenue),
    month: periodBalance(month, "month", monthSpent, monthRevenue),
    byModelClass,
    byCategory,
    openReservations,
    totals: { spent: totalSpent, revenue: totalRevenue }
  };
}
function formatBalanceAmount(balances, minor) {
  return formatMinorUnits(minor, balances.minorDigits);
}

// ../../../tmp/m/old/packages/treasury/src/exact-yaml.ts
import {
  DEFAULT_MAX_YAML_BYTES,
  emptyDocument,
  parseYaml,
  readTextFileBounded
} from "@karnel/core";
import { parseDocument, visit } from "yaml";
function parseExactYaml(text, file) {
  const base = parseYaml(text, file);
  if (base.value === void 0) return base;
  const document = parseDocument(text, { uniqueKeys: true, strict: true });
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value === "number" && typeof node.source === "string")
        node.value = node.source;
      else if (typeof node.value === "bigint") node.value = String(node.value);
    }
  });
  let value;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch {
    return base;
  }
  return { file: base.file, value, diagnostics: base.diagnostics, position: base.position };
}
async function readExactYamlFile(path, {
  displayPath = path,
  maxBytes = DEFAULT_MAX_YAML_BYTES
} = {}) {
  const text = await readTextFileBounded(path, displayPath, maxBytes);
  if (typeof text !== "string") return emptyDocument(displayPath, [text]);
  return parseExactYaml(text, displayPath);
}

// ../../../tmp/m/old/packages/treasury/src/record-store.ts
import { open, stat, truncate } from "node:fs/promises";
import { appendFileDurable, parseJsonLines } from "@karnel/core";

// ../../../tmp/m/old/packages/treasury/src/records.ts
import { idSchema, timestampSchema as timestampSchema2 } from "@karnel/core";
import { z as z3 } from "zod";
var amountText = z3.string().regex(/^\d+(\.\d+)?$/, 'expected a non-negative decimal amount like "12.30"');
var currencyCode = z3.string().regex(/^[A-Z]{3}$/, "expected an ISO 4217 currency code");
var recurrenceSchema = z3.enum(
  RECURRENCE_PERIODS
);
var spendRecordSchema = z3.strictObject({
  /** Record type. */
  type: z3.literal("spend.recorded"),
  /** When the money was spent (RFC 3339); decides which period it counts in. */
  at: timestampSchema2,
  /** Exact amount, decimal text in the currency's minor digits (`"0.42"`). */
  amount: amountText,
  /** ISO 4217 code; must be the treasury's currency. */
  currency: currencyCode,
  /** The cognitive tier the spend paid for, counted against `inference_budget`. */
  model_class: z3.string().optional(),
  /** The `weekly_allocation` category the spend counts against. */
  category: z3.string().optional(),
  /** For a recurring commitment, how often it recurs. */
  recurring: recurrenceSchema.optional(),
  /** The reservation this spend settles, if any. */
  reservation: idSchema("rsv").optional(),
  /** The run whose cost this is (`run_…`), for attribution. */
  run: z3.string().optional(),
  /** A short human description. */
  description: z3.string().optional()
});
var revenueRecordSchema = z3.strictObject({
  /** Record type. */
  type: z3.literal("revenue.recorded"),
  /** When the money arrived (RFC 3339). */
  at: timestampSchema2,
  /** Exact amount, decimal text. */
  amount: amountText,
  /** ISO 4217 code; must be the treasury's currency. */
  currency: currencyCode,
  /** Where it came from (`stripe`, `sponsorship` …). */
  source: z3.string().optional(),
  /** A short human description. */
  description: z3.string().optional()
});
var reservationOpenedRecordSchema = z3.strictObject({
  /** Record type. */
  type: z3.literal("reservation.opened"),
  /** The reservation's id (`rsv_…`). */
  id: idSchema("rsv"),
  /** When it was taken (RFC 3339). */
  at: timestampSchema2,
  /** When it lapses if neither committed nor released (RFC 3339). */
  expires_at: timestampSchema2,
  /** Exact amount set aside, decimal text. */
  amount: amountText,
  /** ISO 4217 code; must be the treasury's currency. */
  currency: currencyCode,
  /** The cognitive tier the spend will pay for. */
  model_class: z3.string().optional(),
  /** The `weekly_allocation` category it counts against. */
  category: z3.string().optional(),
  /** Why the money is set aside. */
  purpose: z3.string().optional()
});
var reservationReleasedRecordSchema = z3.strictObject({
  /** Record type. */
  type: z3.literal("reservation.released"),
  /** The reservation's id. */
  id: idSchema("rsv"),
  /** When it was released (RFC 3339). */
  at: timestampSchema2,
  /** Why. */
  reason: z3.string().optional()
});
var treasuryRecordSchema = z3.discriminatedUnion("type", [
  spendRecordSchema,
  revenueRecordSchema,
  reservationOpenedRecordSchema,
  reservationReleasedRecordSchema
]);
var TREASURY_RECORD_TYPES = [
  "spend.recorded",
  "revenue.recorded",
  "reservation.opened",
  "reservation.released"
];

// ../../../tmp/m/old/packages/treasury/src/record-store.ts
function createFileRecordStore({ path }) {
  let cache = {
    ino: -1,
    offset: 0,
    lines: 0,
    records: []
  };
  return {
    specificationVersion: "v1",
    async append(record) {
      const checked = checkRecord(record, path);
      await cutTornTail(path);
      await appendFileDurable(path, `${JSON.stringify(checked)}
`);
    },
    async read() {
      let handle;
      try {
        handle = await open(path, "r");
      } catch (error) {
        if (error.code === "ENOENT") {
          cache = { ino: -1, offset: 0, lines: 0, records: [] };
          return [];
        }
        throw error;
      }
      try {
        const info = await handle.stat();
        if (info.ino !== cache.ino || info.size < cache.offset)
          cache = { ino: info.ino, offset: 0, lines: 0, records: [] };
        if (info.size === cache.offset) return [...cache.records];
        const buffer = Buffer.alloc(info.size - cache.offset);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, cache.offset);
        const complete = buffer.subarray(0, bytesRead).lastIndexOf(10) + 1;
        const text = buffer.subarray(0, complete).toString("utf8");
        const parsed = parseJsonLines(text, path);
        const corrupt = parsed.diagnostics[0];
        if (corrupt) {
          throw new TreasuryRecordError({
            record: void 0,
            message: `${corrupt.file}:${corrupt.line + cache.lines}:${corrupt.column}: ${corrupt.message}`
          });
        }
        const added = parsed.records.map(
          (line) => checkRecord(line.value, `${path}:${line.line + cache.lines}`)
        );
        cache = {
          ino: info.ino,
          offset: cache.offset + complete,
          lines: cache.lines + (text.match(/\n/g)?.length ?? 0),
          records: [...cache.records, ...added]
        };
        return [...cache.records];
      } finally {
        await handle.close();
      }
    }
  };
}
function createLedgerRecordStore(ledger) {
  const types = new Set(TREASURY_RECORD_TYPES);
  return {
    specificationVersion: "v1",
    async append(record) {
      const { type, ...body } = checkRecord(record, "ledger");
      await ledger.append({ type, body });
    },
    async read() {
      const records = [];
      const source = await ledger.entries();
      for await (const entry of source) {
        if (types.has(entry.type))
          records.push(checkRecord({ ...entry.body, type: entry.type }, "ledger"));
      }
      return records;
    }
  };
}
function checkRecord(value, where) {
  const result = treasuryRecordSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new TreasuryRecordError({
      record: value,
      message: `${where}: invalid treasury record (${issue.path.join(".") || "record"}: ${issue.message})`
    });
  }
  return result.data;
}
async function cutTornTail(path) {
  let size;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if (error.code === "ENOENT") return;
    throw error;
  }
  if (size === 0) return;
  const handle = await open(path, "r");
  try {
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] === 10) return;
    const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const index = chunk.subarray(0, bytesRead).lastIndexOf(10);
      if (index >= 0) {
        const keep = start + index + 1;
        if (keep < size) await truncate(path, keep);
        return;
      }
      end = start;
    }
    await truncate(path, 0);
  } finally {
    await handle.close();
  }
}

// ../../../tmp/m/old/packages/treasury/src/treasury.ts
import { readFile } from "node:fs/promises";
import { join as join2 } from "node:path";
import {
  COGNITIVE_TIERS as COGNITIVE_TIERS2,
  createId,
  InvalidArgumentError as InvalidArgumentError4,
  isId,
  systemClock,
  ValidationError,
  withFileLock,
  writeFileAtomic
} from "@karnel/core";
import { isMap, isScalar, parseDocument as parseDocument2, Scalar } from "yaml";

// ../../../tmp/m/old/packages/treasury/src/treasury-config.ts
import { join } from "node:path";
import {
  COGNITIVE_TIERS,
  closestMatch,
  createDiagnostic,
  hasErrors,
  validateDocument
} from "@karnel/core";
var TREASURY_FILES = {
  /** Currency, budgets, spending so far, model-class ceilings and API quotas; required. */
  balances: "balances.yaml",
  /** Category shares and approval gates; optional. */
  allocationRules: "allocation_rules.yaml"
};
async function loadTreasuryConfig(dir, { roles, displayPath = dir } = {}) {
  const balances = await readExactYamlFile(join(dir, TREASURY_FILES.balances), {
    displayPath: join(displayPath, TREASURY_FILES.balances)
  });
  let rules = await readExactYamlFile(
    join(dir, TREASURY_FILES.allocationRules),
    {
      displayPath: join(displayPath, TREASURY_FILES.allocationRules)
    }
  );
  if (rules.diagnostics.some((diagnostic) => diagnostic.code === "file/missing")) rules = void 0;
  return resolveTreasuryConfig({ balances, allocationRules: rules }, { roles });
}
function resolveTreasuryConfig(documents, { roles } = {}) {
  const diagnostics = [];
  const balancesResult = validateDocument(balancesFileSchema, documents.balances);
  diagnostics.push(...balancesResult.diagnostics);
  let rulesValue;
  if (documents.allocationRules) {
    const rulesResult = validateDocument(allocationRulesFileSchema, documents.allocationRules);
    diagnostics.push(...rulesResult.diagnostics);
    rulesValue = rulesResult.value;
  }
  const balancesValue = balancesResult.value;
  if (!balancesValue) return { config: void 0, diagnostics };
  const resolver = new Resolver(documents.balances, diagnostics);
  const { currency, minorDigits } = resolver.currency(balancesValue);
  const timeZone = resolver.timeZone(balancesValue);
  const financial = balancesValue.financial;
  const amount = (document, path, text) => text === void 0 ? void 0 : resolver.amount(document, path, text, minorDigits);
  const budgets = {
    week: amount(documents.balances, ["financial", "budget_weekly"], financial.budget_weekly),
    month: amount(documents.balances, ["financial", "budget_monthly"], financial.budget_monthly)
  };
  if (financial.budget_weekly === void 0 && financial.budget_monthly === void 0) {
    diagnostics.push(
      resolver.at(documents.balances, ["financial"], {
        code: "treasury/no-budget",
        message: "the treasury has no budget; give financial.budget_weekly or financial.budget_monthly"
      })
    );
  }
  const snapshot = {
    spentThisWeek: amount(
      documents.balances,
      ["financial", "spent_this_week"],
      financial.spent_this_week
    ),
    spentThisMonth: amount(
      documents.balances,
      ["financial", "spent_this_month"],
      financial.spent_this_month
    ),
    revenueMonthToDate: amount(
      documents.balances,
      ["financial", "revenue_mtd"],
      financial.revenue_mtd
    ),
    asOf: financial.as_of
  };
  if (budgets.week !== void 0 && snapshot.spentThisWeek !== void 0 && snapshot.spentThisWeek > budgets.week) {
    diagnostics.push(
      resolver.at(documents.balances, ["financial", "spent_this_week"], {
        severity: "warning",
        code: "treasury/over-budget",
        message: `spent_this_week (${formatMinorUnits(snapshot.spentThisWeek, minorDigits)}) is above budget_weekly (${formatMinorUnits(budgets.week, minorDigits)})`
      })
    );
  }
  const classPeriod = balancesValue.inference_budget?.period === "month" ? "month" : "week";
  const classAmounts = {};
  for (const [modelClass, text] of Object.entries(
    balancesValue.inference_budget?.by_model_class ?? {}
  )) {
    const path = ["inference_budget", "by_model_class", modelClass];
    if (!COGNITIVE_TIERS.includes(modelClass)) {
      const suggestion = closestMatch(modelClass, COGNITIVE_TIERS);
      diagnostics.push(
        resolver.at(documents.balances, path, {
          key: true,
          code: "treasury/unknown-model-class",
          message: `"${modelClass}" is not a cognitive tier; expected one of ${COGNITIVE_TIERS.join(", ")}`,
          hint: suggestion ? `did you mean "${suggestion}"?` : void 0
        })
      );
      continue;
    }
    const value = amount(documents.balances, path, text);
    if (value !== void 0) classAmounts[modelClass] = value;
  }
  const classTotal = Object.values(classAmounts).reduce((sum, value) => sum + value, 0n);
  const overall = budgets[classPeriod];
  if (overall !== void 0 && classTotal > overall) {
    diagnostics.push(
      resolver.at(documents.balances, ["inference_budget", "by_model_class"], {
        key: true,
        severity: "warning",
        code: "treasury/model-classes-over-budget",
        message: `the model-class budgets add up to ${formatMinorUnits(classTotal, minorDigits)}, more than the ${classPeriod === "week" ? "weekly" : "monthly"} budget of ${formatMinorUnits(overall, minorDigits)}`
      })
    );
  }
  const allocation = {};
  const gates = [];
  if (documents.allocationRules && rulesValue) {
    const rulesDocument = documents.allocationRules;
    let total = 0;
    let allParsed = true;
    for (const [category, text] of Object.entries(rulesValue.weekly_allocation ?? {})) {
      const parsed = parsePercent(text);
      if (!parsed.ok) {
        allParsed = false;
        diagnostics.push(
          resolver.at(rulesDocument, ["weekly_allocation", category], {
            code: "treasury/invalid-percent",
            message: parsed.message
          })
        );
        continue;
      }
      allocation[category] = parsed.basisPoints;
      total += parsed.basisPoints;
    }
    if (rulesValue.weekly_allocation && allParsed && total !== 1e4) {
      diagnostics.push(
        resolver.at(rulesDocument, ["weekly_allocation"], {
          key: true,
          code: "treasury/allocation-sum",
          message: `weekly_allocation adds up to ${formatBasisPoints(total)}; the shares must add up to exactly 100%`
        })
      );
    }
    if (rulesValue.weekly_allocation && financial.budget_weekly === void 0) {
      diagnostics.push(
        resolver.at(rulesDocument, ["weekly_allocation"], {
          key: true,
          severity: "warning",
          code: "treasury/allocation-without-budget",
          message: "weekly_allocation divides the weekly budget, but balances.yaml has no budget_weekly"
        })
      );
    }
    const seenIds = /* @__PURE__ */ new Set();
    (rulesValue.approval_gates ?? []).forEach((gate, index) => {
      const id = gate.id ?? `approval_gates[${index}]`;
      if (seenIds.has(id)) {
        diagnostics.push(
          resolver.at(rulesDocument, ["approval_gates", index, "id"], {
            code: "treasury/duplicate-gate",
            message: `another gate is already named "${id}"`
          })
        );
      }
      seenIds.add(id);
      if (roles && gate.requires !== "owner" && !roles.includes(gate.requires)) {
        const suggestion = closestMatch(gate.requires, roles);
        diagnostics.push(
          resolver.at(rulesDocument, ["approval_gates", index, "requires"], {
            code: "treasury/unknown-role",
            message: `gate ${id} requires "${gate.requires}", which is not a member role (roles: ${roles.join(", ") || "none"})`,
            hint: suggestion ? `did you mean "${suggestion}"?` : void 0
          })
        );
      }
      const thresholds = [gate.any_action_above, gate.any_recurring_above].filter(
        (value2) => value2 !== void 0
      );
      if (thresholds.length !== 1) {
        diagnostics.push(
          resolver.at(rulesDocument, ["approval_gates", index], {
            code: "treasury/gate-threshold",
            message: thresholds.length === 0 ? `gate ${id} needs a threshold: any_action_above or any_recurring_above` : `gate ${id} has two thresholds; split any_action_above and any_recurring_above into two gates`
          })
        );
        return;
      }
      const kind = gate.any_action_above !== void 0 ? "action" : "recurring";
      const field = kind === "action" ? "any_action_above" : "any_recurring_above";
      const text = gate[field];
      if (text === void 0) return;
      const path = ["approval_gates", index, field];
      const expression = parseAmountExpression(text);
      if (!expression.ok) {
        diagnostics.push(
          resolver.at(rulesDocument, path, {
            code: "treasury/invalid-gate-amount",
            message: expression.message
          })
        );
        return;
      }
      const { value } = expression;
      if (value.currency !== void 0 && value.currency !== currency) {
        diagnostics.push(
          resolver.at(rulesDocument, path, {
            code: "treasury/gate-currency",
            message: `gate ${id} is in ${value.currency}, but the treasury keeps its accounts in ${currency}`,
            hint: `write the threshold in ${currency}, or set financial.currency in balances.yaml`
          })
        );
        return;
      }
      if (kind === "action" && value.per) {
        diagnostics.push(
          resolver.at(rulesDocument, path, {
            code: "treasury/invalid-gate-amount",
            message: `any_action_above is per action; "${text}" gives a period (use any_recurring_above for rates)`
          })
        );
        return;
      }
      if (kind === "recurring" && !value.per) {
        diagnostics.push(
          resolver.at(rulesDocument, path, {
            code: "treasury/invalid-gate-amount",
            message: `any_recurring_above needs a period, e.g. ${value.amount}_per_week`
          })
        );
        return;
      }
      const threshold = resolver.amount(
        rulesDocument,
        path,
        value.amount,
        minorDigits,
        "treasury/invalid-gate-amount"
      );
      if (threshold === void 0) return;
      gates.push({
        id,
        kind,
        threshold,
        ...value.per ? { per: value.per } : {},
        requires: gate.requires,
        ...gate.description !== void 0 ? { description: gate.description } : {}
      });
    });
  }
  if (hasErrors(diagnostics)) return { config: void 0, diagnostics };
  return {
    config: {
      currency,
      minorDigits,
      timeZone,
      weekStartsOn: financial.week_starts_on ?? "monday",
      budgets: dropUndefined(budgets),
      modelClassBudgets: { period: classPeriod, amounts: classAmounts },
      allocation,
      gates,
      quotas: balancesValue.api_quotas ?? {},
      snapshot: dropUndefined(snapshot)
    },
    diagnostics
  };
}
var Resolver = class {
  constructor(balances, diagnostics) {
    this.balances = balances;
    this.diagnostics = diagnostics;
  }
  balances;
  diagnostics;
  at(document, path, details) {
    const { key = false, hint, ...rest } = details;
    return createDiagnostic({
      file: document.file,
      ...document.position(path, { key }),
      ...rest,
      ...hint ? { hint } : {}
    });
  }
  currency(value) {
    const written = value.financial.currency;
    if (written === void 0) return { currency: "USD", minorDigits: 2 };
    if (!isCurrencyCode(written)) {
      const suggestion = closestMatch(written.toUpperCase(), currencyCodes());
      this.diagnostics.push(
        this.at(this.balances, ["financial", "currency"], {
          code: "treasury/unknown-currency",
          message: `"${written}" is not an ISO 4217 currency code`,
          hint: suggestion ? `did you mean "${suggestion}"?` : void 0
        })
      );
      return { currency: written, minorDigits: 2 };
    }
    return { currency: written, minorDigits: currencyMinorDigits(written) };
  }
  timeZone(value) {
    const written = value.financial.time_zone;
    if (written === void 0) return "UTC";
    if (!isTimeZone(written)) {
      const suggestion = closestMatch(written, Intl.supportedValuesOf("timeZone"));
      this.diagnostics.push(
        this.at(this.balances, ["financial", "time_zone"], {
          code: "treasury/unknown-time-zone",
          message: `"${written}" is not an IANA time zone (e.g. Europe/Berlin)`,
          hint: suggestion ? `did you mean "${suggestion}"?` : void 0
        })
      );
    }
    return written;
  }
  amount(document, path, text, minorDigits, code = "treasury/invalid-amount") {
    const parsed = parseDecimalAmount(text, minorDigits);
    if (!parsed.ok) {
      this.diagnostics.push(this.at(document, path, { code, message: parsed.message }));
      return void 0;
    }
    if (parsed.minor < 0n) {
      this.diagnostics.push(this.at(document, path, { code, message: `"${text}" is negative` }));
      return void 0;
    }
    return parsed.minor;
  }
};
function dropUndefined(object) {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== void 0));
}

// ../../../tmp/m/old/packages/treasury/src/treasury.ts
function createTreasury({
  dir,
  ledger,
  store,
  clock = systemClock,
  roles,
  reservationTtlMs = 15 * 6e4,
  lockTimeoutMs = 1e4
}) {
  const records = ledger ? createLedgerRecordStore(ledger) : store ?? createFileRecordStore({ path: join2(dir, "records.jsonl") });
  const lockPath = join2(dir, ".treasury.lock");
  const locked = (task) => withFileLock(lockPath, task, { timeoutMs: lockTimeoutMs });
  const config = async () => {
    const result = await loadTreasuryConfig(dir, roles ? { roles } : {});
    if (!result.config) throw new ValidationError({ diagnostics: result.diagnostics });
    return result.config;
  };
  const balancesAt = async (current, at) => computeBalances(await records.read(), current, at);
  const amountText2 = (current, amount, argument) => {
    const minor = toMinorUnits(amount, current, argument);
    if (minor < 0n)
      throw new InvalidArgumentError4({
        argument,
        value: amount,
        message: "an amount cannot be negative"
      });
    return formatMinorUnits(minor, current.minorDigits);
  };
  const checkModelClass = (modelClass) => {
    if (modelClass !== void 0 && !COGNITIVE_TIERS2.includes(modelClass)) {
      throw new InvalidArgumentError4({
        argument: "modelClass",
        value: modelClass,
        message: `expected one of ${COGNITIVE_TIERS2.join(", ")}`
      });
    }
  };
  const settleState = (all, id) => {
    let opened;
    let state = "unknown";
    for (const record of all) {
      if (record.type === "reservation.opened" && record.id === id) {
        opened = record;
        state = "open";
      } else if (record.type === "reservation.released" && record.id === id) state = "released";
      else if (record.type === "spend.recorded" && record.reservation === id) state = "committed";
    }
    return { opened, state };
  };
  return {
    specificationVersion: "v1",
    dir,
    config,
    async balances({ at = clock.now() } = {}) {
      return balancesAt(await config(), at);
    },
    async checkSpend(request) {
      const current = await config();
      return checkSpend(current, await balancesAt(current, clock.now()), request);
    },
    async recordSpend(spend) {
      const current = await config();
      checkModelClass(spend.modelClass);
      if (spend.recurring !== void 0 && !RECURRENCE_PERIODS.includes(spend.recurring)) {
        throw new InvalidArgumentError4({
          argument: "recurring",
          value: spend.recurring,
          message: `expected one of ${RECURRENCE_PERIODS.join(", ")}`
        });
      }
      const record = {
        type: "spend.recorded",
        at: (spend.at ?? clock.now()).toISOString(),
        amount: amountText2(current, spend.amount, "amount"),
        currency: current.currency,
        ...optional({
          model_class: spend.modelClass,
          category: spend.category,
          recurring: spend.recurring,
          run: spend.run,
          description: spend.description
        })
      };
      await locked(() => records.append(record));
      return record;
    },
    async recordRevenue(revenue) {
      const current = await config();
      const record = {
        type: "revenue.recorded",
        at: (revenue.at ?? clock.now()).toISOString(),
        amount: amountText2(current, revenue.amount, "amount"),
        currency: current.currency,
        ...optional({ source: revenue.source, description: revenue.description })
      };
      await locked(() => records.append(record));
      return record;
    },
    async reserve(request) {
      const current = await config();
      checkModelClass(request.modelClass);
      const ttlMs = request.ttlMs ?? reservationTtlMs;
      if (!(ttlMs > 0))
        throw new InvalidArgumentError4({
          argument: "ttlMs",
          value: ttlMs,
          message: "must be positive"
        });
      return locked(async () => {
        const now = clock.now();
        const decision = checkSpend(current, await balancesAt(current, now), request);
        if (decision.effect !== "allow") return { ok: false, decision };
        const expiresAt = new Date(now.getTime() + ttlMs);
        const id = createId("rsv");
        await records.append({
          type: "reservation.opened",
          id,
          at: now.toISOString(),
          expires_at: expiresAt.toISOString(),
          amount: formatMinorUnits(decision.amount, current.minorDigits),
          currency: current.currency,
          ...optional({
            model_class: request.modelClass,
            category: request.category,
            purpose: request.purpose
          })
        });
        const reservation = {
          id,
          amount: decision.amount,
          expiresAt,
          ...optional({ modelClass: request.modelClass, category: request.category })
        };
        return { ok: true, reservation, decision };
      });
    },
    async commit(reservation, details = {}) {
      const current = await config();
      const id = typeof reservation === "string" ? reservation : reservation.id;
      return locked(async () => {
        const { opened, state } = settleState(await records.read(), id);
        if (!opened || state !== "open")
          throw new ReservationStateError({
            reservationId: id,
            state: state === "open" ? "unknown" : state
          });
        const record = {
          type: "spend.recorded",
          at: clock.now().toISOString(),
          amount: details.actual === void 0 ? opened.amount : amountText2(current, details.actual, "actual"),
          currency: current.currency,
          reservation: opened.id,
          ...optional({
            model_class: opened.model_class,
            category: opened.category,
            run: details.run,
            description: details.description ?? opened.purpose
          })
        };
        await records.append(record);
        return record;
      });
    },
    async release(reservation, reason) {
      const id = typeof reservation === "string" ? reservation : reservation.id;
      if (!isId(id, "rsv"))
        throw new InvalidArgumentError4({
          argument: "reservation",
          value: id,
          message: "not a reservation id (rsv_\u2026)"
        });
      await locked(async () => {
        const { opened, state } = settleState(await records.read(), id);
        if (!opened || state !== "open")
          throw new ReservationStateError({
            reservationId: id,
            state: state === "open" ? "unknown" : state
          });
        await records.append({
          type: "reservation.released",
          id,
          at: clock.now().toISOString(),
          ...optional({ reason })
        });
      });
    },
    async writeSnapshot() {
      return locked(async () => {
        const current = await config();
        const now = clock.now();
        const balances = await balancesAt(current, now);
        const path = join2(dir, TREASURY_FILES.balances);
        const document = parseDocument2(await readFile(path, "utf8"));
        const financial = document.get("financial", true);
        if (!isMap(financial))
          throw new ValidationError({
            diagnostics: [],
            message: `${path}: financial is not a mapping`
          });
        const setAmount = (key, minor) => {
          const text = formatMinorUnits(minor, current.minorDigits);
          const asNumber = Number(text);
          const exact = asNumber.toFixed(current.minorDigits) === text;
          const existing = financial.get(key, true);
          if (isScalar(existing)) {
            existing.value = exact ? asNumber : text;
            existing.minFractionDigits = exact ? current.minorDigits : void 0;
            return;
          }
          const node = new Scalar(exact ? asNumber : text);
          if (exact) node.minFractionDigits = current.minorDigits;
          financial.set(key, node);
        };
        setAmount("spent_this_week", balances.week.spent);
        if (current.budgets.month !== void 0 || financial.has("spent_this_month")) {
          setAmount("spent_this_month", balances.month.spent);
        }
        setAmount("revenue_mtd", balances.month.revenue);
        const asOf = financial.get("as_of", true);
        if (isScalar(asOf)) asOf.value = now.toISOString();
        else financial.set("as_of", now.toISOString());
        await writeFileAtomic(path, document.toString());
        return balances;
      });
    }
  };
}
function optional(fields) {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== void 0)
  );
}

// ../../../tmp/m/old/packages/treasury/src/validate-treasury-dir.ts
import { readFile as readFile2 } from "node:fs/promises";
import { join as join3 } from "node:path";
import { createDiagnostic as createDiagnostic2, parseJsonLines as parseJsonLines2, sortDiagnostics } from "@karnel/core";
async function validateTreasuryDir(dir, { roles, displayPath = dir, records } = {}) {
  const balancesDocument = await readExactYamlFile(join3(dir, TREASURY_FILES.balances), {
    displayPath: join3(displayPath, TREASURY_FILES.balances)
  });
  const rulesDocument = await readExactYamlFile(join3(dir, TREASURY_FILES.allocationRules), {
    displayPath: join3(displayPath, TREASURY_FILES.allocationRules)
  });
  const rulesMissing = rulesDocument.diagnostics.some(
    (diagnostic) => diagnostic.code === "file/missing"
  );
  const { config, diagnostics } = resolveTreasuryConfig(
    { balances: balancesDocument, ...rulesMissing ? {} : { allocationRules: rulesDocument } },
    roles ? { roles } : {}
  );
  const found = [...diagnostics];
  let knownRecords = records;
  if (!knownRecords) {
    const file = join3(displayPath, "records.jsonl");
    let text;
    try {
      text = await readFile2(join3(dir, "records.jsonl"), "utf8");
    } catch (error) {
      if (error.code !== "ENOENT") {
        found.push(
          createDiagnostic2({
            file,
            code: "file/unreadable",
            message: `cannot read records (${error.code})`
          })
        );
      }
    }
    if (text !== void 0) {
      const parsed = parseJsonLines2(text, file);
      found.push(
        ...parsed.diagnostics.map(
          (diagnostic) => diagnostic.code === "jsonl/torn-line" ? { ...diagnostic, severity: "warning" } : diagnostic
        )
      );
      const valid = [];
      for (const line of parsed.records) {
        const result = treasuryRecordSchema.safeParse(line.value);
        if (!result.success) {
          const issue = result.error.issues[0];
          found.push(
            createDiagnostic2({
              file,
              line: line.line,
              code: "treasury/invalid-record",
              message: `invalid treasury record (${issue.path.join(".") || "record"}: ${issue.message})`
            })
          );
          continue;
        }
        const record = result.data;
        if (config && "currency" in record) {
          if (record.currency !== config.currency) {
            found.push(
              createDiagnostic2({
                file,
                line: line.line,
                code: "treasury/record-currency",
                message: `record is in ${record.currency}, but the treasury is in ${config.currency}`
              })
            );
            continue;
          }
          const amount = parseDecimalAmount(record.amount, config.minorDigits);
          if (!amount.ok) {
            found.push(
              createDiagnostic2({
                file,
                line: line.line,
                code: "treasury/invalid-record",
                message: amount.message
              })
            );
            continue;
          }
        }
        valid.push(record);
      }
      knownRecords = valid;
    }
  }
  const asOf = config?.snapshot.asOf;
  if (config && knownRecords && asOf !== void 0 && config.snapshot.spentThisWeek !== void 0) {
    const at = new Date(asOf);
    const upToSnapshot = knownRecords.filter((record) => Date.parse(record.at) <= at.getTime());
    try {
      const derived = computeBalances(upToSnapshot, config, at);
      const checks = [
        ["spent_this_week", config.snapshot.spentThisWeek, derived.week.spent],
        ["spent_this_month", config.snapshot.spentThisMonth, derived.month.spent],
        ["revenue_mtd", config.snapshot.revenueMonthToDate, derived.month.revenue]
      ];
      for (const [field, written, computed] of checks) {
        if (written === void 0 || written === computed) continue;
        found.push(
          createDiagnostic2({
            file: balancesDocument.file,
            ...balancesDocument.position(["financial", field]),
            severity: "warning",
            code: "treasury/snapshot-mismatch",
            message: `${field} says ${formatMinorUnits(written, config.minorDigits)}, but the records give ${formatMinorUnits(computed, config.minorDigits)} as of ${asOf}; the figure is derived and should not be edited by hand`
          })
        );
      }
    } catch {
    }
  }
  return sortDiagnostics(found);
}
export {
  RECURRENCE_PERIODS,
  ReservationStateError,
  TREASURY_FILES,
  TREASURY_RECORD_TYPES,
  TreasuryRecordError,
  WEEKDAYS,
  allocationRulesFileSchema,
  amountTextSchema,
  approvalGateSchema,
  balancesFileSchema,
  checkSpend,
  compareRates,
  computeBalances,
  createFileRecordStore,
  createLedgerRecordStore,
  createTreasury,
  currencyMinorDigits,
  formatBalanceAmount,
  formatBasisPoints,
  formatMinorUnits,
  isCurrencyCode,
  isTimeZone,
  loadTreasuryConfig,
  localDateOf,
  parseAmountExpression,
  parseDecimalAmount,
  parseExactYaml,
  parsePercent,
  periodContaining,
  readExactYamlFile,
  reservationOpenedRecordSchema,
  reservationReleasedRecordSchema,
  resolveTreasuryConfig,
  revenueRecordSchema,
  spendRecordSchema,
  startOfLocalDay,
  toMinorUnits,
  treasuryRecordSchema,
  validateTreasuryDir
};
