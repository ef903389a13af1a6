import type { OrgMember } from '../group-reader';
import { Badge, TableWrap } from './layout';
import { RunState } from './runs-live';

const BADGE_TONE = { native: 'ok', foreign: 'warn', human: undefined } as const;

/** The org chart: members with badge, tier, cadence, who dispatches to them, and their wake state. */
export function OrgPage({ members }: { members: readonly OrgMember[] }) {
  return (
    <TableWrap label="Members">
      <table>
        <caption class="muted">{`${members.length} members, from the group manifest and the coordination protocol`}</caption>
        <thead>
          <tr>
            <th scope="col">Role</th>
            <th scope="col">Kind</th>
            <th scope="col">Tier</th>
            <th scope="col">Cadence</th>
            <th scope="col" class="wide">
              Reports to
            </th>
            <th scope="col">Next wake and why</th>
            <th scope="col" class="wide">
              Last run
            </th>
          </tr>
        </thead>
        <tbody>
          {members.map((member) => (
            <tr>
              <th scope="row">{member.role}</th>
              <td>
                <Badge tone={BADGE_TONE[member.badge]}>{member.badge}</Badge>
                {member.paused ? (
                  <>
                    {' '}
                    <Badge tone="warn">paused</Badge>
                  </>
                ) : null}
              </td>
              <td>{member.tier ?? '—'}</td>
              <td>{member.cadence ?? '—'}</td>
              <td class="wide">{member.reportsTo.join(', ') || '—'}</td>
              <td>
                {member.nextWake.at ? (
                  <span class="mono">{member.nextWake.at.slice(0, 16).replace('T', ' ')}</span>
                ) : null}
                <div class="muted">{member.nextWake.why}</div>
              </td>
              <td class="wide">
                {member.lastRun ? (
                  <>
                    <a href={`/runs/${member.lastRun.runId}`} class="mono">
                      {member.lastRun.runId}
                    </a>{' '}
                    <RunState run={member.lastRun} />
                  </>
                ) : (
                  <span class="muted">none</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
