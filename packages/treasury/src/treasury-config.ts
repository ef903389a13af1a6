import { join } from 'node:path';
import {
  COGNITIVE_TIERS,
  type Currency,
  closestMatch,
  createDiagnostic,
  type Diagnostic,
  type DocumentPath,
  formatMoney,
  hasErrors,
  ISO_CURRENCY_CODES,
  parseMoney,
  resolveCurrency,
  type SourceDocument,
  validateDocument,
} from '@karnel/core';
import { type AllocationRulesFile, allocationRulesFileSchema } from './allocation-rules-schema';
import { parseAmountExpression, type RecurrencePeriod } from './amount-expression';
import { type BalancesFile, balancesFileSchema } from './balances-schema';
import { readExactYamlFile } from './exact-yaml';
import { formatBasisPoints, parsePercent } from './percent';
import { type BudgetPeriodKind, isTimeZone, type Weekday } from './periods';

/** An approval gate, resolved: threshold in minor units of the treasury's currency. */
export interface ApprovalGate {
  /** The gate's name: its `id`, or `approval_gates[<index>]`. */
  readonly id: string;
  /** `action` for `any_action_above`, `recurring` for `any_recurring_above`. */
  readonly kind: 'action' | 'recurring';
  /** The amount a spend must exceed to need approval, in minor units. */
  readonly threshold: bigint;
  /** For a recurring gate, the period its threshold is per. */
  readonly per?: RecurrencePeriod;
  /** The role whose approval the spend needs. */
  readonly requires: string;
  /** The gate's description, if the file gives one. */
  readonly description?: string;
}

/**
 * A treasury's two files, validated and resolved: every amount is integer minor units, every
 * share is basis points, defaults are filled in.
 */
export interface TreasuryConfig {
  /** Code of every amount: an ISO 4217 code, or a custom unit declared with its decimals. */
  readonly currency: string;
  /** Decimals of the currency (2 for USD). */
  readonly minorDigits: number;
  /** The currency with its decimals, for `parseMoney` and `formatMoney` of `@karnel/core`. */
  readonly unit: Currency;
  /** IANA time zone whose midnight rolls periods over. */
  readonly timeZone: string;
  /** First day of a budget week. */
  readonly weekStartsOn: Weekday;
  /** Overall budgets per period; a period without a budget is not limited. */
  readonly budgets: {
    /** The weekly budget, in minor units. */
    readonly week?: bigint;
    /** The monthly budget, in minor units. */
    readonly month?: bigint;
  };
  /** Ceilings per cognitive tier, all per the same period. */
  readonly modelClassBudgets: {
    /** The period the ceilings are per. */
    readonly period: BudgetPeriodKind;
    /** Ceiling per model class, in minor units. */
    readonly amounts: Readonly<Record<string, bigint>>;
  };
  /** Share of the weekly budget per category, in basis points (6000 = 60%). */
  readonly allocation: Readonly<Record<string, number>>;
  /** Approval gates in file order. */
  readonly gates: readonly ApprovalGate[];
  /** Provider quota figures as written (`anthropic_remaining_pct: 0.78`). */
  readonly quotas: Readonly<Record<string, number>>;
  /** The derived figures last written into `balances.yaml`; informational only. */
  readonly snapshot: {
    /** `spent_this_week`, if present. */
    readonly spentThisWeek?: bigint;
    /** `spent_this_month`, if present. */
    readonly spentThisMonth?: bigint;
    /** `revenue_mtd`, if present. */
    readonly revenueMonthToDate?: bigint;
    /** `as_of`, if present. */
    readonly asOf?: string;
  };
}

/** The result of reading a treasury: the config when there are no errors, and every diagnostic. */
export interface TreasuryConfigResult {
  /** The resolved config; `undefined` when any diagnostic is an error. */
  readonly config: TreasuryConfig | undefined;
  /** Every problem found, in both files. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Options of {@link loadTreasuryConfig} and {@link resolveTreasuryConfig}. */
export interface TreasuryConfigOptions {
  /**
   * The member roles of the group. When given, each gate's `requires` must name one of them
   * (or `owner`, who can always approve). Default: not checked.
   */
  roles?: readonly string[];
  /** How to show the treasury folder in diagnostics. Default: the folder path as given. */
  displayPath?: string;
}

/** The files of a treasury folder. */
export const TREASURY_FILES = {
  /** Currency, budgets, spending so far, model-class ceilings and API quotas; required. */
  balances: 'balances.yaml',
  /** Category shares and approval gates; optional. */
  allocationRules: 'allocation_rules.yaml',
} as const;

/**
 * Reads `balances.yaml` and (when present) `allocation_rules.yaml` from a treasury folder and
 * resolves them. Never throws for a mistake in the files: every problem is a diagnostic with
 * file, line and column.
 */
export async function loadTreasuryConfig(
  dir: string,
  { roles, displayPath = dir }: TreasuryConfigOptions = {},
): Promise<TreasuryConfigResult> {
  // Both files are read only inside the treasury folder: one a symlink leads out of is refused.
  const balances = await readExactYamlFile(join(dir, TREASURY_FILES.balances), {
    displayPath: join(displayPath, TREASURY_FILES.balances),
    root: dir,
  });
  let rules: SourceDocument | undefined = await readExactYamlFile(
    join(dir, TREASURY_FILES.allocationRules),
    {
      displayPath: join(displayPath, TREASURY_FILES.allocationRules),
      root: dir,
    },
  );
  if (rules.diagnostics.some((diagnostic) => diagnostic.code === 'file/missing')) rules = undefined;
  return resolveTreasuryConfig({ balances, allocationRules: rules }, { roles });
}

/**
 * Validates and resolves already-parsed treasury documents (parse them with
 * {@link parseExactYaml} so amounts keep their exact text). Includes the checks that span both
 * files: allocation shares adding up to 100%, gates in the treasury's currency, gate roles that
 * exist, class budgets within the overall budget.
 */
export function resolveTreasuryConfig(
  documents: { balances: SourceDocument; allocationRules?: SourceDocument },
  { roles }: Pick<TreasuryConfigOptions, 'roles'> = {},
): TreasuryConfigResult {
  const diagnostics: Diagnostic[] = [];
  const balancesResult = validateDocument(balancesFileSchema, documents.balances);
  diagnostics.push(...balancesResult.diagnostics);
  let rulesValue: AllocationRulesFile | undefined;
  if (documents.allocationRules) {
    const rulesResult = validateDocument(allocationRulesFileSchema, documents.allocationRules);
    diagnostics.push(...rulesResult.diagnostics);
    rulesValue = rulesResult.value;
  }
  const balancesValue = balancesResult.value;
  if (!balancesValue) return { config: undefined, diagnostics };
  const resolver = new Resolver(documents.balances, diagnostics);
  const unit = resolver.currency(balancesValue);
  const { code: currency, decimals: minorDigits } = unit;
  const timeZone = resolver.timeZone(balancesValue);
  const financial = balancesValue.financial;
  const amount = (document: SourceDocument, path: DocumentPath, text: string | undefined) =>
    text === undefined ? undefined : resolver.amount(document, path, text, unit);

  const budgets = {
    week: amount(documents.balances, ['financial', 'budget_weekly'], financial.budget_weekly),
    month: amount(documents.balances, ['financial', 'budget_monthly'], financial.budget_monthly),
  };
  if (financial.budget_weekly === undefined && financial.budget_monthly === undefined) {
    diagnostics.push(
      resolver.at(documents.balances, ['financial'], {
        code: 'treasury/no-budget',
        message:
          'the treasury has no budget; give financial.budget_weekly or financial.budget_monthly',
      }),
    );
  }
  const snapshot = {
    spentThisWeek: amount(
      documents.balances,
      ['financial', 'spent_this_week'],
      financial.spent_this_week,
    ),
    spentThisMonth: amount(
      documents.balances,
      ['financial', 'spent_this_month'],
      financial.spent_this_month,
    ),
    revenueMonthToDate: amount(
      documents.balances,
      ['financial', 'revenue_mtd'],
      financial.revenue_mtd,
    ),
    asOf: financial.as_of,
  };
  if (
    budgets.week !== undefined &&
    snapshot.spentThisWeek !== undefined &&
    snapshot.spentThisWeek > budgets.week
  ) {
    diagnostics.push(
      resolver.at(documents.balances, ['financial', 'spent_this_week'], {
        severity: 'warning',
        code: 'treasury/over-budget',
        message: `spent_this_week (${formatMoney(snapshot.spentThisWeek, unit)}) is above budget_weekly (${formatMoney(budgets.week, unit)})`,
      }),
    );
  }

  const classPeriod: BudgetPeriodKind =
    balancesValue.inference_budget?.period === 'month' ? 'month' : 'week';
  const classAmounts: Record<string, bigint> = {};
  for (const [modelClass, text] of Object.entries(
    balancesValue.inference_budget?.by_model_class ?? {},
  )) {
    const path = ['inference_budget', 'by_model_class', modelClass];
    if (!(COGNITIVE_TIERS as readonly string[]).includes(modelClass)) {
      const suggestion = closestMatch(modelClass, COGNITIVE_TIERS);
      diagnostics.push(
        resolver.at(documents.balances, path, {
          key: true,
          code: 'treasury/unknown-model-class',
          message: `"${modelClass}" is not a cognitive tier; expected one of ${COGNITIVE_TIERS.join(', ')}`,
          hint: suggestion ? `did you mean "${suggestion}"?` : undefined,
        }),
      );
      continue;
    }
    const value = amount(documents.balances, path, text);
    if (value !== undefined) classAmounts[modelClass] = value;
  }
  const classTotal = Object.values(classAmounts).reduce((sum, value) => sum + value, 0n);
  const overall = budgets[classPeriod];
  if (overall !== undefined && classTotal > overall) {
    diagnostics.push(
      resolver.at(documents.balances, ['inference_budget', 'by_model_class'], {
        key: true,
        severity: 'warning',
        code: 'treasury/model-classes-over-budget',
        message: `the model-class budgets add up to ${formatMoney(classTotal, unit)}, more than the ${classPeriod === 'week' ? 'weekly' : 'monthly'} budget of ${formatMoney(overall, unit)}`,
      }),
    );
  }

  const allocation: Record<string, number> = {};
  const gates: ApprovalGate[] = [];
  if (documents.allocationRules && rulesValue) {
    const rulesDocument = documents.allocationRules;
    let total = 0;
    let allParsed = true;
    for (const [category, text] of Object.entries(rulesValue.weekly_allocation ?? {})) {
      const parsed = parsePercent(text);
      if (!parsed.ok) {
        allParsed = false;
        diagnostics.push(
          resolver.at(rulesDocument, ['weekly_allocation', category], {
            code: 'treasury/invalid-percent',
            message: parsed.message,
          }),
        );
        continue;
      }
      allocation[category] = parsed.basisPoints;
      total += parsed.basisPoints;
    }
    if (rulesValue.weekly_allocation && allParsed && total !== 10_000) {
      diagnostics.push(
        resolver.at(rulesDocument, ['weekly_allocation'], {
          key: true,
          code: 'treasury/allocation-sum',
          message: `weekly_allocation adds up to ${formatBasisPoints(total)}; the shares must add up to exactly 100%`,
        }),
      );
    }
    if (rulesValue.weekly_allocation && financial.budget_weekly === undefined) {
      diagnostics.push(
        resolver.at(rulesDocument, ['weekly_allocation'], {
          key: true,
          severity: 'warning',
          code: 'treasury/allocation-without-budget',
          message:
            'weekly_allocation divides the weekly budget, but balances.yaml has no budget_weekly',
        }),
      );
    }
    const seenIds = new Set<string>();
    (rulesValue.approval_gates ?? []).forEach((gate, index) => {
      const id = gate.id ?? `approval_gates[${index}]`;
      if (seenIds.has(id)) {
        diagnostics.push(
          resolver.at(rulesDocument, ['approval_gates', index, 'id'], {
            code: 'treasury/duplicate-gate',
            message: `another gate is already named "${id}"`,
          }),
        );
      }
      seenIds.add(id);
      if (roles && gate.requires !== 'owner' && !roles.includes(gate.requires)) {
        const suggestion = closestMatch(gate.requires, roles);
        diagnostics.push(
          resolver.at(rulesDocument, ['approval_gates', index, 'requires'], {
            code: 'treasury/unknown-role',
            message: `gate ${id} requires "${gate.requires}", which is not a member role (roles: ${roles.join(', ') || 'none'})`,
            hint: suggestion ? `did you mean "${suggestion}"?` : undefined,
          }),
        );
      }
      const thresholds = [gate.any_action_above, gate.any_recurring_above].filter(
        (value) => value !== undefined,
      );
      if (thresholds.length !== 1) {
        diagnostics.push(
          resolver.at(rulesDocument, ['approval_gates', index], {
            code: 'treasury/gate-threshold',
            message:
              thresholds.length === 0
                ? `gate ${id} needs a threshold: any_action_above or any_recurring_above`
                : `gate ${id} has two thresholds; split any_action_above and any_recurring_above into two gates`,
          }),
        );
        return;
      }
      const kind = gate.any_action_above !== undefined ? 'action' : 'recurring';
      const field = kind === 'action' ? 'any_action_above' : 'any_recurring_above';
      const text = gate[field];
      if (text === undefined) return;
      const path = ['approval_gates', index, field];
      const expression = parseAmountExpression(text);
      if (!expression.ok) {
        diagnostics.push(
          resolver.at(rulesDocument, path, {
            code: 'treasury/invalid-gate-amount',
            message: expression.message,
          }),
        );
        return;
      }
      const { value } = expression;
      if (value.currency !== undefined && value.currency !== currency) {
        diagnostics.push(
          resolver.at(rulesDocument, path, {
            code: 'treasury/gate-currency',
            message: `gate ${id} is in ${value.currency}, but the treasury keeps its accounts in ${currency}`,
            hint: `write the threshold in ${currency}, or set financial.currency in balances.yaml`,
          }),
        );
        return;
      }
      if (kind === 'action' && value.per) {
        diagnostics.push(
          resolver.at(rulesDocument, path, {
            code: 'treasury/invalid-gate-amount',
            message: `any_action_above is per action; "${text}" gives a period (use any_recurring_above for rates)`,
          }),
        );
        return;
      }
      if (kind === 'recurring' && !value.per) {
        diagnostics.push(
          resolver.at(rulesDocument, path, {
            code: 'treasury/invalid-gate-amount',
            message: `any_recurring_above needs a period, e.g. ${value.amount}_per_week`,
          }),
        );
        return;
      }
      const threshold = resolver.amount(
        rulesDocument,
        path,
        value.amount,
        unit,
        'treasury/invalid-gate-amount',
      );
      if (threshold === undefined) return;
      gates.push({
        id,
        kind,
        threshold,
        ...(value.per ? { per: value.per } : {}),
        requires: gate.requires,
        ...(gate.description !== undefined ? { description: gate.description } : {}),
      });
    });
  }

  if (hasErrors(diagnostics)) return { config: undefined, diagnostics };
  return {
    config: {
      currency,
      minorDigits,
      unit,
      timeZone,
      weekStartsOn: (financial.week_starts_on as Weekday | undefined) ?? 'monday',
      budgets: dropUndefined(budgets),
      modelClassBudgets: { period: classPeriod, amounts: classAmounts },
      allocation,
      gates,
      quotas: balancesValue.api_quotas ?? {},
      snapshot: dropUndefined(snapshot),
    },
    diagnostics,
  };
}

class Resolver {
  constructor(
    private readonly balances: SourceDocument,
    private readonly diagnostics: Diagnostic[],
  ) {}

  at(
    document: SourceDocument,
    path: DocumentPath,
    details: {
      code: string;
      message: string;
      hint?: string | undefined;
      severity?: 'error' | 'warning';
      key?: boolean;
    },
  ): Diagnostic {
    const { key = false, hint, ...rest } = details;
    return createDiagnostic({
      file: document.file,
      ...document.position(path, { key }),
      ...rest,
      ...(hint ? { hint } : {}),
    });
  }

  currency(value: BalancesFile): Currency {
    const written = value.financial.currency ?? 'USD';
    const declared = value.financial.currency_decimals;
    const resolved = resolveCurrency(
      written,
      declared === undefined ? {} : { [written]: declared },
    );
    if (resolved.ok) return resolved.value;
    const iso = ISO_CURRENCY_CODES.includes(written);
    const suggestion = iso ? undefined : closestMatch(written.toUpperCase(), ISO_CURRENCY_CODES);
    this.diagnostics.push(
      this.at(
        this.balances,
        [
          'financial',
          iso || value.financial.currency === undefined ? 'currency_decimals' : 'currency',
        ],
        {
          code: 'treasury/unknown-currency',
          message: resolved.message,
          hint: iso
            ? undefined
            : `did you mean ${suggestion ? `"${suggestion}"` : 'an ISO 4217 code'}? A custom unit needs financial.currency_decimals`,
        },
      ),
    );
    return { code: written, decimals: 2, iso: false };
  }

  timeZone(value: BalancesFile): string {
    const written = value.financial.time_zone;
    if (written === undefined) return 'UTC';
    if (!isTimeZone(written)) {
      const suggestion = closestMatch(written, Intl.supportedValuesOf('timeZone'));
      this.diagnostics.push(
        this.at(this.balances, ['financial', 'time_zone'], {
          code: 'treasury/unknown-time-zone',
          message: `"${written}" is not an IANA time zone (e.g. Europe/Berlin)`,
          hint: suggestion ? `did you mean "${suggestion}"?` : undefined,
        }),
      );
    }
    return written;
  }

  amount(
    document: SourceDocument,
    path: DocumentPath,
    text: string,
    unit: Currency,
    code = 'treasury/invalid-amount',
  ): bigint | undefined {
    const parsed = parseMoney(text, unit);
    if (!parsed.ok) {
      this.diagnostics.push(this.at(document, path, { code, message: parsed.message }));
      return undefined;
    }
    return parsed.value;
  }
}

function dropUndefined<T extends Record<string, unknown>>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}
