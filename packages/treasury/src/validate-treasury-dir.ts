import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createDiagnostic,
  type Diagnostic,
  formatMoney,
  type LedgerReader,
  sortDiagnostics,
} from '@karnel/core';
import { computeBalances } from './compute-balances';
import { readExactYamlFile } from './exact-yaml';
import { readTreasuryRecords } from './read-treasury-records';
import {
  createFileRecordStore,
  type LedgerRecordStoreOptions,
  type TreasuryRecordStore,
} from './record-store';
import type { TreasuryRecord } from './records';
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
  /**
   * The group ledger holding the treasury's records. Its entries of treasury types are checked
   * (each refused entry reported at its line of `chain.jsonl`, see `readTreasuryRecords`) and
   * the valid ones used as `records`. A ledger whose chain does not verify throws: reporting
   * that is the ledger check's job.
   */
  ledger?: LedgerReader;
  /** How to name the ledger's entries in diagnostics. */
  ledgerLocation?: LedgerRecordStoreOptions;
}

/**
 * Validates a treasury folder: both files against their schemas, the checks across them
 * (allocation shares add up to 100%, gates in the treasury's currency, gates requiring member
 * roles), the records (in `ledger`, or the records file if any), and whether the derived figures in `balances.yaml` agree
 * with the records. Returns positioned diagnostics; never throws for a mistake in the files.
 */
export async function validateTreasuryDir(
  dir: string,
  { roles, displayPath = dir, records, ledger, ledgerLocation }: ValidateTreasuryDirOptions = {},
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
    const source = ledger ?? (await recordsFileStore(dir, displayPath, found));
    if (source) {
      const read = await readTreasuryRecords(source, {
        ...(config ? { currency: config.unit } : {}),
        ...ledgerLocation,
      });
      found.push(...read.diagnostics);
      if (ledger === undefined || read.records.length > 0) knownRecords = read.records;
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
            message: `${field} says ${formatMoney(written, config.unit)}, but the records give ${formatMoney(computed, config.unit)} as of ${asOf}; the figure is derived and should not be edited by hand`,
          }),
        );
      }
    } catch {
      // A record the fold refuses was already reported above.
    }
  }
  return sortDiagnostics(found);
}

async function recordsFileStore(
  dir: string,
  displayPath: string,
  found: Diagnostic[],
): Promise<TreasuryRecordStore | undefined> {
  const path = join(dir, 'records.jsonl');
  const file = join(displayPath, 'records.jsonl');
  try {
    await access(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      found.push(
        createDiagnostic({
          file,
          code: 'file/unreadable',
          message: `cannot read records (${(error as NodeJS.ErrnoException).code})`,
        }),
      );
    return undefined;
  }
  const store = createFileRecordStore({ path, displayPath: file });
  try {
    const entries = await store.readEntries();
    const text = await readFile(path);
    if (text.length > 0 && text[text.length - 1] !== 0x0a)
      found.push(
        createDiagnostic({
          file,
          line: (entries.at(-1)?.line ?? 0) + 1,
          severity: 'warning',
          code: 'jsonl/torn-line',
          message: 'last line is incomplete (a write was cut short); it is ignored',
        }),
      );
    return store;
  } catch (error) {
    found.push(
      createDiagnostic({
        file,
        code: 'file/unreadable',
        message: `cannot read records (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      }),
    );
    return undefined;
  }
}
