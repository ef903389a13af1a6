import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createManualClock, sha256Hex } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { listGroupPaths } from '../migration/group-files';
import { ownedGroupCopy } from '../migration/test-group';

/** The time the curator tests run at. */
export const NOW = '2026-07-01T12:00:00Z';
/** The time `days` days before {@link NOW}. */
export const daysAgo = (days: number) =>
  new Date(Date.parse(NOW) - days * 86_400_000).toISOString();

/** Every file of the group with its hash (the machine-local `.karnel/` left out). */
export async function treeHashes(dir: string): Promise<Record<string, string>> {
  const { files } = await listGroupPaths(dir);
  const hashes: Record<string, string> = {};
  for (const file of files) hashes[file.path] = sha256Hex(await readFile(join(dir, file.path)));
  return hashes;
}

/** The example group with a usage history, a hub skill and a pinned skill. */
export async function libraryWithHistory() {
  const group = await ownedGroupCopy();
  const hub = join(group.dir, 'agents/writer/skills/hub-headlines');
  await mkdir(hub);
  await writeFile(
    join(hub, 'SKILL.md'),
    '---\nname: hub-headlines\ndescription: Writes headlines; installed from a hub.\n---\n\nWrite five headlines.\n',
  );
  await writeFile(
    join(hub, 'karnel.yaml'),
    'karnel_skill_version: "0.2"\nprovenance:\n  source: "hermeshub:headlines"\n  created_at: "2026-01-01T00:00:00Z"\n',
  );
  await writeFile(
    join(group.dir, 'curator.yaml'),
    '# keep the critic\'s rubric\npinned: ["review-draft"]\n',
  );
  const clock = createManualClock(daysAgo(45));
  const ledger = await openLedger(join(group.dir, 'ledger'), { clock });
  const use = async (skill: string, days: number) => {
    clock.set(daysAgo(days));
    await ledger.append({
      type: 'skill.run_started',
      body: { runId: `run_${days}`, skill, runtime: 'node', actor: 'writer' },
    });
  };
  await use('weekly-strategic-review', 40);
  await use('research-arxiv-trending', 25);
  await use('research-arxiv-trending', 20);
  for (const days of [9, 5, 2]) await use('draft-newsletter-issue', days);
  await ledger.close();
  return { ...group, clock: createManualClock(NOW) };
}
