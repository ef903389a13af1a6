import type { SearchResult } from '@karnel/memory';
import type { Section, SkillView } from '../group-reader';
import { Problem, TableWrap } from './layout';

/** Memory search and the skill library with usage and curator grades. */
export function MemoryPage({
  query,
  result,
  skills,
}: {
  query: string;
  result?: Section<SearchResult>;
  skills: Section<{ skills: SkillView[]; problems: string[] }>;
}) {
  return (
    <>
      <section aria-labelledby="h-memory">
        <h2 id="h-memory">Search memory</h2>
        <form method="get" action="/memory" class="row">
          <label for="memory-query">Words to find</label>
          <input id="memory-query" type="search" name="q" value={query} />
          <button type="submit">Search</button>
        </form>
        {result === undefined ? null : !result.ok ? (
          <Problem problem={result} />
        ) : (
          <>
            {result.value.notices.map((notice) => (
              <p class="muted">{notice}</p>
            ))}
            <h3>{`Items (${result.value.hits.length})`}</h3>
            <ul class="plain">
              {result.value.hits.map((hit) => (
                <li>
                  {hit.item.title ? <strong>{`${hit.item.title}: `}</strong> : null}
                  {hit.item.text.slice(0, 300)}
                </li>
              ))}
            </ul>
            <h3>{`Episodes (${result.value.episodes.length})`}</h3>
            <ul class="plain">
              {result.value.episodes.map((hit) => (
                <li>
                  <span class="muted">{`${hit.episode.at} ${hit.episode.kind} `}</span>
                  {hit.episode.text.slice(0, 300)}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      <section aria-labelledby="h-skills">
        <h2 id="h-skills">Skill library</h2>
        {!skills.ok ? (
          <Problem problem={skills} />
        ) : (
          <>
            {skills.value.problems.map((problem) => (
              <p class="problem">{problem}</p>
            ))}
            <TableWrap label="Skill library">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Skill</th>
                    <th scope="col">Member</th>
                    <th scope="col">Uses</th>
                    <th scope="col">Success</th>
                    <th scope="col" class="wide">
                      Curator grade
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {skills.value.skills.map(({ member, skill }) => {
                    const usage =
                      (skill.karnel as { usage?: Record<string, unknown> } | undefined)?.usage ??
                      {};
                    const curator = (skill.karnel as Record<string, unknown> | undefined)
                      ?.curator as Record<string, unknown> | undefined;
                    return (
                      <tr>
                        <th scope="row">
                          {skill.name}
                          <div class="muted">{skill.description}</div>
                        </th>
                        <td>{member}</td>
                        <td>{String(usage.total_invocations ?? 0)}</td>
                        <td>
                          {usage.success_rate === undefined
                            ? '—'
                            : `${Math.round(Number(usage.success_rate) * 100)}%`}
                        </td>
                        <td class="wide">
                          {curator?.grade === undefined ? '—' : String(curator.grade)}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </TableWrap>
          </>
        )}
      </section>
    </>
  );
}
