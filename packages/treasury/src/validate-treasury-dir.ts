import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDiagnostic, type Diagnostic, parseJsonLines, sortDiagnostics } from '@karnel/core';
import { computeBalances } from './compute-balances';
import { readExactYamlFile } from './exact-yaml';
import { formatMinorUnits, parseDecimalAmount } from './money';
import { type TreasuryRecord, treasuryRecordSchema } from './records';
import {
  resolveTreasuryConfig,
  TREASURY_FILES,
  type TreasuryConfigOptions,
} from './treasury-config';

/** Options of {@link validateTreasuryDir}. */
export interface ValidateTreasuryDirOptions extends TreasuryConfigOptions {
  /**
   * The treasury's records, when they live elsewhere (a group ledger). Used to check that the
   * derived figures in `balances.yaml` match them. Default: `<dir>/records.jsonl` if it exists.
   */
  records?: readonly TreasuryRecord[];
}

/**
 * Validates a treasury folder: both files against their schemas, the checks across them
 * (allocation shares add up to 100%, gates in the treasury's currency, gates requiring member
 * roles), the records file if any, and whether the derived figures in `balances.yaml` agree
 * with the records. Returns positioned diagnostics; never throws for a mistake in the files.
 */
export async function validateTreasuryDir(
  dir: string,
  { roles, displayPath = dir, records }: ValidateTreasuryDirOptions = {},
): Promise<Diagnostic[]> {
  const balancesDocument = await readExactYamlFile(join(dir, TREASURY_FILES.balances), {
    displayPath: join(displayPath, TREASURY_FILES.balances),
  });
  const rulesDocument = await readExactYamlFile(join(dir, TREASURY_FILES.allocationRules), {
    displayPath: join(displayPath, TREASURY_FILES.allocationRules),
  });
  const rulesMissing = rulesDocument.diagnostics.some(
    (diagnostic) => diagnostic.code === 'file/missing',
  );
  const { config, diagnostics } = resolveTreasuryConfig(
    { balances: balancesDocument, ...(rulesMissing ? {} : { allocationRules: rulesDocument }) },
    roles ? { roles } : {},
  );
  const found = [...diagnostics];

  let knownRecords = records;
  if (!knownRecords) {
    const file = join(displayPath, 'records.jsonl');
    let text: string | undefined;
    try {
      text = await readFile(join(dir, 'records.jsonl'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        found.push(
          createDiagnostic({
            file,
            code: 'file/unreadable',
            message: `cannot read records (${(error as NodeJS.ErrnoException).code})`,
          }),
        );
      }
    }
    if (text !== undefined) {
      const parsed = parseJsonLines(text, file);
      found.push(
        ...parsed.diagnostics.map((diagnostic) =>
          diagnostic.code === 'jsonl/torn-line'
            ? { ...diagnostic, severity: 'warning' as const }
            : diagnostic,
        ),
      );
      const valid: TreasuryRecord[] = [];
      for (const line of parsed.records) {
        const result = treasuryRecordSchema.safeParse(line.value);
        if (!result.success) {
          const issue = result.error.issues[0]!;
          found.push(
            createDiagnostic({
              file,
              line: line.line,
              code: 'treasury/invalid-record',
              message: `invalid treasury record (${issue.path.join('.') || 'record'}: ${issue.message})`,
            }),
          );
          continue;
        }
        const record = result.data;
        if (config && 'currency' in record) {
          if (record.currency !== config.currency) {
            found.push(
              createDiagnostic({
                file,
                line: line.line,
                code: 'treasury/record-currency',
                message: `record is in ${record.currency}, but the treasury is in ${config.currency}`,
              }),
            );
            continue;
          }
          const amount = parseDecimalAmount(record.amount, config.minorDigits);
          if (!amount.ok) {
            found.push(
              createDiagnostic({
                file,
                line: line.line,
                code: 'treasury/invalid-record',
                message: amount.message,
              }),
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
  if (config && knownRecords && asOf !== undefined && config.snapshot.spentThisWeek !== undefined) {
    const at = new Date(asOf);
    const upToSnapshot = knownRecords.filter((record) => Date.parse(record.at) <= at.getTime());
    try {
      const derived = computeBalances(upToSnapshot, config, at);
      const checks: [string, bigint | undefined, bigint][] = [
        ['spent_this_week', config.snapshot.spentThisWeek, derived.week.spent],
        ['spent_this_month', config.snapshot.spentThisMonth, derived.month.spent],
        ['revenue_mtd', config.snapshot.revenueMonthToDate, derived.month.revenue],
      ];
      for (const [field, written, computed] of checks) {
        if (written === undefined || written === computed) continue;
        found.push(
          createDiagnostic({
            file: balancesDocument.file,
            ...balancesDocument.position(['financial', field]),
            severity: 'warning',
            code: 'treasury/snapshot-mismatch',
            message: `${field} says ${formatMinorUnits(written, config.minorDigits)}, but the records give ${formatMinorUnits(computed, config.minorDigits)} as of ${asOf}; the figure is derived and should not be edited by hand`,
          }),
        );
      }
    } catch {
      // A record the fold refuses was already reported above.
    }
  }
  return sortDiagnostics(found);
}
