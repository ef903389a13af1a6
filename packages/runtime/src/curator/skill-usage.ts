import type { LedgerEntry } from '@karnel/ledger';
import { readLedgerEntries } from '@karnel/ledger';

/** How often a skill ran and when it last did, from the ledgers. */
export interface SkillUsageCount {
  /** Number of `skill.run_started` records. */
  readonly uses: number;
  /** Time of the latest one. */
  readonly lastUsed?: string;
}

/** The record that counts as one use of a skill: `@karnel/workers` writes it before a run. */
export const SKILL_USE_RECORD = 'skill.run_started';

/**
 * Counts the uses of each skill (by name) in the given ledgers: every `skill.run_started`
 * record, and its time. The ledgers are hash-chained, so the counts come from what the
 * runtime recorded, never from a file an agent could edit (`karnel.yaml` `usage`).
 */
export async function countSkillUsage(
  ledgerDirs: readonly string[],
): Promise<Map<string, SkillUsageCount>> {
  const usage = new Map<string, SkillUsageCount>();
  for (const dir of ledgerDirs) {
    for await (const entry of readLedgerEntries(dir, {
      type: SKILL_USE_RECORD,
    }) as AsyncIterable<LedgerEntry>) {
      const skill = entry.body.skill;
      if (typeof skill !== 'string') continue;
      const previous = usage.get(skill);
      usage.set(skill, {
        uses: (previous?.uses ?? 0) + 1,
        lastUsed:
          previous?.lastUsed && previous.lastUsed > entry.time ? previous.lastUsed : entry.time,
      });
    }
  }
  return usage;
}
