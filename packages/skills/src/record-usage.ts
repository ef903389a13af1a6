import { join } from 'node:path';
import { type Clock, systemClock, ValidationError } from '@karnel/core';
import { isScalar, isSeq } from 'yaml';
import {
  attributionSchema,
  type SkillAttribution,
  type SkillUsage,
  usageSchema,
} from './karnel-yaml-schema';
import { createSkillDiagnostic } from './skills-diagnostic-code';
import { updateKarnelYaml } from './update-karnel-yaml';

/**
 * One ledger outcome that involved a skill, in the shape the skill library needs. Callers map
 * their ledger's outcome records to this.
 */
export interface SkillOutcome {
  /** The skill's name. */
  readonly skill: string;
  /** Whether the outcome counts as a success for the skill. */
  readonly success: boolean;
  /**
   * The outcome's id (`out_<ULID>`). When given, outcomes whose id sorts at or before the
   * skill's `usage.last_outcome_id` are skipped, so replaying a ledger counts each outcome once.
   */
  readonly id?: string;
  /** When the outcome happened (RFC 3339). Default: the clock's now. */
  readonly at?: string;
  /** A ledger reference (`ledger/run_07`) added to `attribution.contributed_to_outcomes` on success. */
  readonly ledgerRef?: string;
}

/** What {@link applyOutcomes} computed for one skill. */
export interface UsageUpdate {
  /** The new usage section. */
  readonly usage: SkillUsage;
  /** The new attribution section. */
  readonly attribution: SkillAttribution;
  /** How many outcomes were counted. */
  readonly counted: number;
  /** How many were skipped as already counted. */
  readonly skipped: number;
}

/**
 * Folds outcomes into a skill's usage and attribution. Pure: the caller decides where to store
 * the result. The success rate is kept from exact counts (`successful_invocations`) and rounded
 * to four decimals for people to read.
 */
export function applyOutcomes(
  usage: SkillUsage | undefined,
  attribution: SkillAttribution | undefined,
  outcomes: readonly SkillOutcome[],
  { clock = systemClock }: { clock?: Clock } = {},
): UsageUpdate {
  let total = usage?.total_invocations ?? 0;
  let successes = usage?.successful_invocations ?? Math.round((usage?.success_rate ?? 0) * total);
  let lastOutcomeId: string | undefined = usage?.last_outcome_id;
  let lastUsedAt = usage?.last_used_at;
  const contributed = [...(attribution?.contributed_to_outcomes ?? [])];
  let counted = 0;
  let skipped = 0;
  // Outcomes with ids are counted in id (time) order, so last_outcome_id is the newest.
  const ordered = [...outcomes].sort((a, b) =>
    a.id && b.id ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : 0,
  );
  for (const outcome of ordered) {
    if (outcome.id !== undefined && lastOutcomeId !== undefined && outcome.id <= lastOutcomeId) {
      skipped++;
      continue;
    }
    total++;
    if (outcome.success) successes++;
    counted++;
    if (outcome.id !== undefined) lastOutcomeId = outcome.id;
    const at = outcome.at ?? clock.now().toISOString();
    if (lastUsedAt === undefined || Date.parse(at) >= Date.parse(lastUsedAt)) lastUsedAt = at;
    if (
      outcome.success &&
      outcome.ledgerRef !== undefined &&
      !contributed.includes(outcome.ledgerRef)
    ) {
      contributed.push(outcome.ledgerRef);
    }
  }
  const next: SkillUsage = {
    total_invocations: total,
    ...(total > 0 ? { success_rate: Math.round((successes / total) * 10_000) / 10_000 } : {}),
    successful_invocations: successes,
    ...(lastUsedAt !== undefined ? { last_used_at: lastUsedAt } : {}),
    ...(lastOutcomeId !== undefined
      ? { last_outcome_id: lastOutcomeId as SkillUsage['last_outcome_id'] }
      : {}),
  };
  return {
    usage: next,
    attribution:
      contributed.length > 0
        ? { contributed_to_outcomes: contributed }
        : { ...(attribution ?? {}) },
    counted,
    skipped,
  };
}

/**
 * Adds outcomes to the `usage` and `attribution` sections of the `karnel.yaml` in `dir`, in
 * place (comments kept), under a lock and atomically. Reads the current counts inside the lock,
 * so concurrent writers never lose an update.
 */
export async function recordSkillUsage(
  dir: string,
  outcomes: readonly SkillOutcome[],
  { clock = systemClock }: { clock?: Clock } = {},
): Promise<UsageUpdate> {
  let update: UsageUpdate | undefined;
  await updateKarnelYaml(dir, (document) => {
    const current = document.toJS() as { usage?: unknown; attribution?: unknown };
    const usage = usageSchema.optional().safeParse(current.usage);
    const attribution = attributionSchema.optional().safeParse(current.attribution);
    if (!usage.success || !attribution.success) {
      const file = join(dir, 'karnel.yaml');
      const section = usage.success ? 'attribution' : 'usage';
      throw new ValidationError({
        diagnostics: [
          createSkillDiagnostic({
            file,
            code: 'skill/invalid-usage',
            message: `the "${section}" section is invalid; run karnel skills validate`,
          }),
        ],
        message: `Cannot record usage in ${file}: its "${section}" section is invalid; fix it first`,
      });
    }
    update = applyOutcomes(usage.data, attribution.data, outcomes, { clock });
    if (update.counted === 0) return false;
    for (const [key, value] of Object.entries(update.usage)) document.setIn(['usage', key], value);
    const refs = update.attribution.contributed_to_outcomes;
    if (refs) {
      // Append to the existing list node, so its style (flow or block) and comments survive.
      const existing = document.getIn(['attribution', 'contributed_to_outcomes'], true);
      if (isSeq(existing)) {
        const present = new Set(
          existing.items.map((item) => String(isScalar(item) ? item.value : item)),
        );
        for (const ref of refs) if (!present.has(ref)) existing.add(document.createNode(ref));
      } else {
        document.setIn(['attribution', 'contributed_to_outcomes'], document.createNode(refs));
      }
    }
    return true;
  });
  return update!;
}
