import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '@karnel/core';
import { type GoalsFile, loadGoals } from '@karnel/goals';
import { type Cadence, parseCadence, validateGroupDir } from '@karnel/manifest';

/** What the scheduler needs to know of one member, read from the group directory. */
export interface MemberSchedule {
  /** The member's role. */
  readonly role: string;
  /** Native agent, foreign agent or human; humans are never run, only written to. */
  readonly kind: 'karnel-native' | 'foreign' | 'human';
  /** The member's cadence (the member file's contract wins over the manifest entry). */
  readonly cadence?: Cadence;
  /** When the member joined: interval and cron cadences count from here until its first run. */
  readonly joinedAt?: Date;
  /** `contract.max_cost_per_run` as written (a decimal), reserved before each run. */
  readonly maxCostPerRun?: string;
  /** The cognitive tier the group assigns to the role. */
  readonly modelClass?: string;
  /** A human who is only contacted on escalation (the owner, usually). */
  readonly escalationOnly: boolean;
}

/** The group directory as the scheduler sees it. */
export interface GroupSnapshot {
  /** The group directory (absolute). */
  readonly dir: string;
  /** Whether the group validates (no error diagnostic). */
  readonly valid: boolean;
  /** Every problem `validateGroupDir` found. */
  readonly diagnostics: readonly Diagnostic[];
  /** The members, in manifest order. */
  readonly members: readonly MemberSchedule[];
  /** The group ledger folder (`components.ledger`, default `<dir>/ledger`). */
  readonly ledgerDir: string;
  /** The treasury folder, when the group declares one. */
  readonly treasuryDir?: string;
  /** The role escalations go to: the first escalation-only human, else the first human. */
  readonly ownerRole?: string;
  /** The group's goals (`<goals>/current.yaml`), when it has a goals folder whose file loads. */
  readonly goals?: GoalsFile;
}

function decimal(value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  // YAML gave a number; 0.5 → "0.5", 1e-7 would be refused by the treasury anyway.
  return String(value);
}

/** Reads the group directory once, validating it (manifest, member files, agents). */
export async function loadGroupSnapshot(dir: string): Promise<GroupSnapshot> {
  const validation = await validateGroupDir(dir);
  const entries = validation.manifest?.members ?? [];
  const members: MemberSchedule[] = [];
  for (const resolved of validation.members) {
    const entry = entries[resolved.index] as Record<string, unknown> | undefined;
    const membership =
      resolved.member?.membership ??
      (entry?.membership as { joined_at?: string; contract?: Record<string, unknown> } | undefined);
    const contract = membership?.contract as
      | { cadence?: string; max_cost_per_run?: number }
      | undefined;
    const cadenceText =
      contract?.cadence ?? (typeof entry?.cadence === 'string' ? entry.cadence : undefined);
    const parsed = cadenceText === undefined ? undefined : parseCadence(cadenceText);
    members.push({
      role: resolved.role,
      kind: resolved.kind,
      ...(parsed?.ok ? { cadence: parsed.cadence } : {}),
      ...(membership?.joined_at ? { joinedAt: new Date(membership.joined_at) } : {}),
      ...(contract?.max_cost_per_run !== undefined
        ? { maxCostPerRun: decimal(contract.max_cost_per_run) }
        : {}),
      ...(typeof entry?.model_class === 'string' ? { modelClass: entry.model_class } : {}),
      escalationOnly: resolved.kind === 'human' && entry?.escalation_only === true,
    });
  }
  let goals: GoalsFile | undefined;
  if (validation.components.goals) {
    const loaded = await loadGoals(join(validation.components.goals, 'current.yaml'), {
      roles: validation.roles,
      root: validation.dir,
    });
    goals = loaded.goals;
  }
  const humans = members.filter((member) => member.kind === 'human');
  const owner = humans.find((member) => member.escalationOnly) ?? humans[0];
  return {
    dir: validation.dir,
    valid: validation.valid,
    diagnostics: validation.diagnostics,
    members,
    ledgerDir: validation.components.ledger ?? join(validation.dir, 'ledger'),
    ...(validation.components.treasury ? { treasuryDir: validation.components.treasury } : {}),
    ...(owner ? { ownerRole: owner.role } : {}),
    ...(goals ? { goals } : {}),
  };
}

/**
 * A fingerprint of the files the snapshot is read from (the manifest, `members/*.yaml`, each
 * agent's `manifest.yaml`, `goals/current.yaml`): size and modification time of each. An idle tick compares
 * fingerprints — a few `stat` calls — and reads and validates the directory again only when
 * one changed.
 */
export async function groupFingerprint(dir: string): Promise<string> {
  const paths = [join(dir, 'manifest.yaml'), join(dir, 'goals', 'current.yaml')];
  for (const folder of ['members', 'agents']) {
    let names: string[] = [];
    try {
      names = (await readdir(join(dir, folder))).sort();
    } catch {
      // absent: part of the fingerprint as such
    }
    for (const name of names)
      paths.push(
        folder === 'members' ? join(dir, folder, name) : join(dir, folder, name, 'manifest.yaml'),
      );
  }
  const parts = await Promise.all(
    paths.map(async (path) => {
      try {
        const info = await stat(path);
        return `${path}:${info.size}:${info.mtimeMs}`;
      } catch {
        return `${path}:-`;
      }
    }),
  );
  return parts.join('\n');
}

/** Keeps a {@link GroupSnapshot} current, reading the directory again only when it changed. */
export interface GroupWatcher {
  /** The snapshot, re-read when the directory's fingerprint changed since the last call. */
  current(): Promise<GroupSnapshot>;
  /**
   * Reads and validates the directory now, whatever the fingerprint says, and keeps the result
   * for {@link GroupWatcher.current} (a runtime starting validates once, not twice).
   */
  reload(): Promise<GroupSnapshot>;
}

/** Creates a {@link GroupWatcher} for `dir`. */
export function createGroupWatcher(dir: string): GroupWatcher {
  let fingerprint: string | undefined;
  let snapshot: GroupSnapshot | undefined;
  // The fingerprint is taken before the read: a change during the read is seen next time.
  const load = async (now: string) => {
    snapshot = await loadGroupSnapshot(dir);
    fingerprint = now;
    return snapshot;
  };
  return {
    async current() {
      const now = await groupFingerprint(dir);
      if (snapshot === undefined || now !== fingerprint) return load(now);
      return snapshot;
    },
    async reload() {
      return load(await groupFingerprint(dir));
    },
  };
}
