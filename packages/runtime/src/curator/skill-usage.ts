import { join } from 'node:path';
import { openInside, sha256Hex } from '@karnel/core';
import type { LedgerEntry } from '@karnel/ledger';
import { readLedgerEntries } from '@karnel/ledger';
import { MigrationError } from '../migration/migration-error';

/** How often a skill ran and when it last did, from the ledgers. */
export interface SkillUsageCount {
  /** Number of `skill.run_started` records and allowed `use_skill` run steps. */
  readonly uses: number;
  /** Time of the latest one. */
  readonly lastUsed?: string;
}

/** The record that counts as one use of a skill: `@karnel/workers` writes it before a run. */
export const SKILL_USE_RECORD = 'skill.run_started';

/** A run's step record (`run.step`): the step itself is the committed line of `steps.jsonl`. */
const RUN_STEP_RECORD = 'run.step';

async function readCommittedStep(ledgerDir: string, entry: LedgerEntry): Promise<unknown> {
  const digest = entry.files[0];
  if (!digest) return undefined;
  const path = join(ledgerDir, ...digest.path.split('/'));
  const handle = await openInside(ledgerDir, path);
  let bytes: Buffer;
  try {
    const buffer = Buffer.alloc(digest.size);
    const { bytesRead } = await handle.read(buffer, 0, digest.size, digest.offset ?? 0);
    bytes = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (bytes.length !== digest.size || sha256Hex(bytes) !== digest.sha256.replace(/^sha256:/, ''))
    throw new MigrationError({
      code: 'migration/ledger',
      problems: [
        `${join(ledgerDir, digest.path)} does not match ledger entry ${entry.seq}: the file was changed`,
      ],
    });
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The skill an allowed, successful `use_skill` tool step loaded; `undefined` for any other step. */
function skillUsedBy(step: unknown): string | undefined {
  if (typeof step !== 'object' || step === null) return undefined;
  const record = step as Record<string, unknown>;
  if (record.kind !== 'tool' || record.tool !== 'use_skill') return undefined;
  if (record.decision !== 'allow' || record.error !== undefined) return undefined;
  const output = record.output as { name?: unknown } | undefined;
  return typeof output?.name === 'string' ? output.name : undefined;
}

/**
 * Counts the uses of each skill (by name) in the given ledgers: every `skill.run_started`
 * record (a worker ran the skill's code) and every allowed `use_skill` step of a run (an agent
 * loaded the skill's instructions), with the time of the latest. The ledgers are
 * hash-chained, and each step is read only as the chain commits it, so the counts come from
 * what the runtime recorded, never from a file an agent could edit (`karnel.yaml` `usage`).
 *
 * @throws {MigrationError} (`migration/ledger`) when a committed step file was changed on disk.
 */
export async function countSkillUsage(
  ledgerDirs: readonly string[],
): Promise<Map<string, SkillUsageCount>> {
  const usage = new Map<string, SkillUsageCount>();
  const count = (skill: string, time: string) => {
    const previous = usage.get(skill);
    usage.set(skill, {
      uses: (previous?.uses ?? 0) + 1,
      lastUsed: previous?.lastUsed && previous.lastUsed > time ? previous.lastUsed : time,
    });
  };
  for (const dir of ledgerDirs) {
    for await (const entry of readLedgerEntries(dir) as AsyncIterable<LedgerEntry>) {
      if (entry.type === SKILL_USE_RECORD) {
        if (typeof entry.body.skill === 'string') count(entry.body.skill, entry.time);
      } else if (entry.type === RUN_STEP_RECORD) {
        const skill = skillUsedBy(await readCommittedStep(dir, entry));
        if (skill) count(skill, entry.time);
      }
    }
  }
  return usage;
}
