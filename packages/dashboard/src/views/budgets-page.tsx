import type { BudgetsView } from '../group-reader';
import { Badge, Progress, TableWrap } from './layout';

function tone(percent: number): 'warn' | 'bad' | undefined {
  return percent >= 100 ? 'bad' : percent >= 80 ? 'warn' : undefined;
}

/** Spent against budget by period and model class, open reservations and approval gates. */
export function BudgetsPage({ view }: { view: BudgetsView }) {
  const { balances, config, format } = view;
  const rows: { what: string; used: bigint; spent: bigint; reserved: bigint; budget?: bigint }[] = [
    {
      what: `This week (from ${balances.week.period.start.toISOString().slice(0, 10)})`,
      used: balances.week.spent + balances.week.reserved,
      spent: balances.week.spent,
      reserved: balances.week.reserved,
      ...(balances.week.budget !== undefined ? { budget: balances.week.budget } : {}),
    },
    {
      what: `This month (from ${balances.month.period.start.toISOString().slice(0, 10)})`,
      used: balances.month.spent + balances.month.reserved,
      spent: balances.month.spent,
      reserved: balances.month.reserved,
      ...(balances.month.budget !== undefined ? { budget: balances.month.budget } : {}),
    },
    ...Object.entries(balances.byModelClass).map(([name, bucket]) => ({
      what: `Model class ${name} (${config.modelClassBudgets.period})`,
      used: bucket.spent + bucket.reserved,
      spent: bucket.spent,
      reserved: bucket.reserved,
      budget: bucket.budget,
    })),
  ];
  return (
    <>
      <TableWrap label="Budgets">
        <table>
          <caption class="muted">{`Amounts in ${view.currency}; used = spent + reserved`}</caption>
          <thead>
            <tr>
              <th scope="col">Budget</th>
              <th scope="col">Spent</th>
              <th scope="col" class="wide">
                Reserved
              </th>
              <th scope="col">Budget</th>
              <th scope="col">Used</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const percent =
                row.budget && row.budget > 0n
                  ? Number((row.used * 10000n) / row.budget) / 100
                  : undefined;
              return (
                <tr>
                  <th scope="row">{row.what}</th>
                  <td>{format(row.spent)}</td>
                  <td class="wide">{format(row.reserved)}</td>
                  <td>{row.budget === undefined ? '—' : format(row.budget)}</td>
                  <td>
                    {percent === undefined ? (
                      '—'
                    ) : (
                      <Progress
                        fraction={percent / 100}
                        tone={tone(percent)}
                        label={`${row.what} used`}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableWrap>
      {config.snapshot.spentThisWeek !== undefined ||
      config.snapshot.revenueMonthToDate !== undefined ? (
        <p class="muted">
          {`balances.yaml snapshot${config.snapshot.asOf ? ` (as of ${config.snapshot.asOf})` : ''}: ${[
            config.snapshot.spentThisWeek !== undefined
              ? `spent this week ${format(config.snapshot.spentThisWeek)}`
              : '',
            config.snapshot.revenueMonthToDate !== undefined
              ? `revenue this month ${format(config.snapshot.revenueMonthToDate)}`
              : '',
          ]
            .filter(Boolean)
            .join(', ')}. The figures above come from the spend records in the ledger.`}
        </p>
      ) : null}
      <h2>Approval gates</h2>
      {config.gates.length === 0 ? (
        <p class="muted">No approval gates.</p>
      ) : (
        <ul class="plain">
          {config.gates.map((gate) => (
            <li>
              <Badge>{gate.kind}</Badge>
              {` above ${format(gate.threshold)}${gate.per ? ` per ${gate.per}` : ''} needs ${gate.requires}`}
            </li>
          ))}
        </ul>
      )}
      <h2>Open reservations</h2>
      {balances.openReservations.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <ul class="plain">
          {balances.openReservations.map((reservation) => (
            <li>{`${reservation.id}: ${format(reservation.amount)}, expires ${reservation.expiresAt.toISOString()}`}</li>
          ))}
        </ul>
      )}
    </>
  );
}
