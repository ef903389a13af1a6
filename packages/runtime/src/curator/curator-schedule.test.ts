import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createManualClock } from '@karnel/core';
import { openLedger, readLedgerEntries } from '@karnel/ledger';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, type RuntimeEvent } from '../create-runtime';
import { onlyOnDemand } from '../review/mock-models.test-support';
import { copyExampleGroup } from '../run/example-group.test-support';

let cleanup: string | undefined;
afterEach(async () => {
  if (cleanup) await rm(cleanup, { recursive: true, force: true });
  cleanup = undefined;
});

async function passes(dir: string): Promise<number> {
  let count = 0;
  for await (const _entry of readLedgerEntries(join(dir, 'ledger'), { type: 'curator.pass' }))
    count++;
  return count;
}

describe("the runtime's weekly curator pass", () => {
  it('runs when a week has passed since the last one, archiving skills unused while the ledger watched', async () => {
    const { dir } = await copyExampleGroup();
    cleanup = join(dir, '..');
    await onlyOnDemand(dir);
    // The group's ledger was started in May, when its skills were made; none was used since.
    const seed = await openLedger(join(dir, 'ledger'), {
      clock: createManualClock('2026-05-10T09:00:00Z'),
    });
    await seed.recordOutcome({ outcome: { summary: 'the group started' } });
    await seed.close();

    const clock = createManualClock('2026-12-07T09:00:00Z');
    const events: RuntimeEvent[] = [];
    const runtime = () =>
      createRuntime({
        dir,
        clock,
        reviews: false,
        parts: { machineTiersFile: false },
        onEvent: (event) => events.push(event),
      });
    await runtime().runOnce();
    const pass = events.find((event) => event.type === 'curator-pass');
    expect(pass).toMatchObject({ type: 'curator-pass', archived: 4, stale: 0 });
    await access(join(dir, 'agents/writer/skills/.archive/draft-newsletter-issue/SKILL.md'));
    expect(await passes(dir)).toBe(1);

    // Within the week: no pass.
    clock.advance(3 * 86_400_000);
    await runtime().runOnce();
    expect(await passes(dir)).toBe(1);
    // A week on: the next pass (nothing left to archive).
    clock.advance(5 * 86_400_000);
    await runtime().runOnce();
    expect(await passes(dir)).toBe(2);
    expect(events.filter((event) => event.type === 'curator-pass').at(-1)).toMatchObject({
      archived: 0,
    });
  });

  it('never runs when turned off', async () => {
    const { dir } = await copyExampleGroup();
    cleanup = join(dir, '..');
    await onlyOnDemand(dir);
    await createRuntime({
      dir,
      clock: createManualClock('2026-12-07T09:00:00Z'),
      reviews: false,
      curator: false,
      parts: { machineTiersFile: false },
    }).runOnce();
    expect(await passes(dir)).toBe(0);
  });
});
