import type { ReviewDue } from '@karnel/goals';
import type { GoalRow } from '../group-reader';
import { Badge, Progress, TableWrap } from './layout';

const STATUS_TONE: Record<string, 'ok' | 'warn' | 'bad' | undefined> = {
  achieved: 'ok',
  blocked: 'bad',
  paused: 'warn',
  abandoned: 'warn',
};

/** The goal tree with owners, status, blockers and rolled-up progress; reviews due on top. */
export function GoalsPage({
  rows,
  mission,
  review,
  due,
}: {
  rows: readonly GoalRow[];
  due: readonly ReviewDue[];
  mission?: string;
  review?: string;
}) {
  return (
    <>
      {mission ? <p>{mission}</p> : null}
      <p class="muted">{`Strategic review: ${review ?? 'no cadence set'}`}</p>
      <h2>Reviews due</h2>
      {due.length === 0 ? (
        <p class="muted">Nothing is due for review.</p>
      ) : (
        <ul class="plain">
          {due.map((item) => (
            <li>
              <Badge
                tone={item.scope === 'goal' && item.kind === 'deadline-passed' ? 'bad' : 'warn'}
              >
                {item.scope === 'goal' ? item.goalId : `${item.scope} review`}
              </Badge>
              {` ${item.reason}`}
            </li>
          ))}
        </ul>
      )}
      <h2>Goal tree</h2>
      <TableWrap label="Goal tree">
        <table>
          <caption class="muted">Goal tree</caption>
          <thead>
            <tr>
              <th scope="col">Goal</th>
              <th scope="col">Owner</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col" class="wide">
                Blocker
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const status = row.goal.status ?? 'active';
              return (
                <tr>
                  <th scope="row" class={`tree-${Math.min(row.depth, 3)}`}>
                    <span class="mono muted">{row.goal.id}</span> {row.goal.statement}
                  </th>
                  <td>{row.owner ?? '—'}</td>
                  <td>
                    <Badge tone={STATUS_TONE[status]}>{status}</Badge>
                  </td>
                  <td>
                    {row.progress?.progress === undefined ? (
                      <span class="muted">not measured</span>
                    ) : (
                      <Progress
                        fraction={row.progress.progress}
                        label={`Progress of ${row.goal.id}`}
                      />
                    )}
                  </td>
                  <td class="wide">{row.goal.blocker ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableWrap>
    </>
  );
}
