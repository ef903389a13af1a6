import type { LanguageModelV4 } from '@ai-sdk/provider';
import {
  type CognitiveTier,
  chargeCost,
  EMPTY_COST_CARRY,
  escapeTerminalText,
  formatCost,
  formatMoney,
  parseCost,
} from '@karnel/core';
import type { CuratorModelPassConfig } from '@karnel/skills';
import type { Treasury } from '@karnel/treasury';
import { generateText, NoObjectGeneratedError, Output, wrapLanguageModel } from 'ai';
import {
  type CuratorProposal,
  curatorProposalsSchema,
  type FilteredProposal,
} from './curator-records';

/** One skill as the model pass sees it: the index entry with its grade from the deterministic pass. */
export interface SkillIndexEntry {
  /** The skill's name. */
  readonly name: string;
  /** What it says it does. */
  readonly description: string;
  /** Its grade (`active`, `stale`, `archived`, `protected`, `pinned`). */
  readonly grade: string;
  /** Uses the ledgers record. */
  readonly uses: number;
  /** Days since it was last used (or created, or first seen). */
  readonly idleDays: number;
}

/** What the model pass did. It changes nothing: proposals are for a person to act on. */
export interface CuratorModelPass {
  /** The tier it ran on. */
  readonly tier: CognitiveTier;
  /** The proposals kept (none touches a protected or pinned skill). */
  readonly proposals: readonly CuratorProposal[];
  /** The proposals dropped from the model's answer, and why. */
  readonly filtered: readonly FilteredProposal[];
  /** Why the pass ended without proposals: the treasury refused, no model, an answer off schema. */
  readonly error?: string;
  /**
   * Set in a dry run: the tier's model was resolved but not called, since every model call is
   * paid from a reservation and ledgered, and a dry run writes nothing.
   */
  readonly notCalled?: string;
  /** Tokens used (input + output). */
  readonly tokens: number;
  /** The exact cost of the calls, a decimal in the treasury's currency (`0` when unpriced). */
  readonly cost: string;
  /** The treasury reservation it was paid from (absent in a dry run or without a treasury). */
  readonly reservation?: string;
  /** What was charged to the treasury, in its currency and minor-unit precision. */
  readonly charged?: string;
}

/** Options of {@link runCuratorModelPass}. */
export interface CuratorModelPassOptions {
  /** `model_pass` of `curator.yaml`. */
  readonly settings: CuratorModelPassConfig;
  /** The curator pass id, named in the treasury records. */
  readonly pass: string;
  /** The skill index with the grades of the deterministic pass, most used first. */
  readonly skills: readonly SkillIndexEntry[];
  /** Opens the model of a tier (the runtime's model source). */
  readonly model: (tier: CognitiveTier) => Promise<LanguageModelV4>;
  /** The treasury the pass is paid from; absent in a dry run or for a group without one. */
  readonly treasury?: Treasury;
  /** Resolve the tier's model but do not call it (a dry run). Default false. */
  readonly dryRun?: boolean;
}

const INSTRUCTIONS = `You curate the skill library of a group of agents. You are given the index of
its skills: name, grade from ledgered usage (active, stale, archived, protected, pinned), uses,
days idle, and description. Propose consolidations where they would make the library clearer:
merge skills that overlap into one, rewrite a description that does not say what the skill does
and when to use it, retire a skill nobody needs. Never propose a change to a protected or pinned
skill. Propose nothing when the library is fine. Your proposals are reviewed by a person; nothing
is applied automatically.`;

/** The skills a proposal would change. */
function touchedSkills(proposal: CuratorProposal): string[] {
  return proposal.action === 'merge' ? [...proposal.skills, proposal.into] : [proposal.skill];
}

/**
 * Drops the proposals a curator may never make: any that touches a protected (bundled or hub)
 * or pinned skill, or names a skill that is not in the library (a merge may name a new skill as
 * its result).
 */
export function filterProposals(
  proposals: readonly CuratorProposal[],
  skills: readonly SkillIndexEntry[],
): {
  /** The proposals that touch only skills the curator may change. */
  kept: CuratorProposal[];
  /** The proposals dropped, each with why. */
  filtered: FilteredProposal[];
} {
  const grades = new Map(skills.map((skill) => [skill.name, skill.grade]));
  const kept: CuratorProposal[] = [];
  const filtered: FilteredProposal[] = [];
  for (const proposal of proposals) {
    const touched = touchedSkills(proposal);
    const guarded = touched.find((name) => {
      const grade = grades.get(name);
      return grade === 'protected' || grade === 'pinned';
    });
    if (guarded !== undefined) {
      filtered.push({
        proposal,
        reason:
          grades.get(guarded) === 'protected'
            ? `"${guarded}" is protected (bundled or from a hub): the curator never changes it`
            : `"${guarded}" is pinned in curator.yaml: the curator never changes it`,
      });
      continue;
    }
    const named = proposal.action === 'merge' ? proposal.skills : [proposal.skill];
    const unknown = named.find((name) => !grades.has(name));
    if (unknown !== undefined) {
      filtered.push({ proposal, reason: `no skill named "${unknown}" in the library` });
      continue;
    }
    kept.push(proposal);
  }
  return { kept, filtered };
}

function errorText(error: unknown): string {
  if (NoObjectGeneratedError.isInstance(error)) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `the model's answer does not match the proposal schema${cause}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * The curator's optional model pass (off unless `curator.yaml` enables `model_pass`): after the
 * deterministic pass, a model on a cheap tier is given the skill index with its usage grades and
 * answers with proposals — merge skills A and B into C, rewrite a description, retire a skill —
 * as structured output validated with zod. Proposals touching a protected or pinned skill are
 * dropped and recorded as filtered. Nothing is ever applied.
 *
 * With a treasury, `max_cost` is reserved before the call and the actual cost (the model's
 * `providerMetadata.karnel.cost`, which the runtime's tier model source adds) is committed
 * after, or the reservation released when nothing was spent. Any failure — a refused
 * reservation, a model that cannot be opened, an answer off schema — ends the pass with
 * `error` set; it never throws.
 */
export async function runCuratorModelPass({
  settings,
  pass,
  skills,
  model: openModel,
  treasury,
  dryRun = false,
}: CuratorModelPassOptions): Promise<CuratorModelPass> {
  const tier = settings.tier;
  let tokens = 0;
  let costUnits = 0n;
  const result = (
    outcome: { proposals?: CuratorProposal[]; filtered?: FilteredProposal[]; error?: string },
    settled: { reservation?: string; charged?: string } = {},
  ): CuratorModelPass => ({
    tier,
    proposals: outcome.proposals ?? [],
    filtered: outcome.filtered ?? [],
    ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    tokens,
    cost: formatCost(costUnits),
    ...settled,
  });

  if (dryRun) {
    try {
      const model = await openModel(tier);
      // A tier model lists the candidates it would try; with none, the call could only fail.
      const candidates = (model as { candidates?: readonly { id: string }[] }).candidates;
      if (candidates && candidates.length === 0)
        return result({ error: `no model of tier ${tier} is available on this machine` });
      const name = candidates
        ? candidates.map((candidate) => candidate.id).join(' → ')
        : `${model.provider}:${model.modelId}`;
      return {
        ...result({}),
        notCalled: `dry run: ${name} not called (a model call is paid and ledgered; a dry run writes nothing)`,
      };
    } catch (error) {
      return result({ error: errorText(error) });
    }
  }

  let reservation: string | undefined;
  let unit: Awaited<ReturnType<Treasury['config']>>['unit'] | undefined;
  if (treasury) {
    try {
      unit = (await treasury.config()).unit;
      const held = await treasury.reserve({
        amount: settings.max_cost.toFixed(unit.decimals),
        modelClass: tier,
        purpose: `curator model pass ${pass}`,
      });
      if (!held.ok)
        return result({
          error: `the treasury refused the model pass: ${held.decision.reason}`,
        });
      reservation = held.reservation.id;
    } catch (error) {
      return result({ error: `the treasury cannot pay for the model pass: ${errorText(error)}` });
    }
  }

  let outcome: Parameters<typeof result>[0];
  try {
    const base = await openModel(tier);
    const counted = wrapLanguageModel({
      model: base,
      middleware: {
        specificationVersion: 'v4',
        wrapGenerate: async ({ doGenerate }) => {
          const answer = await doGenerate();
          tokens += (answer.usage.inputTokens.total ?? 0) + (answer.usage.outputTokens.total ?? 0);
          const karnel = answer.providerMetadata?.karnel as { cost?: unknown } | undefined;
          const cost = parseCost(typeof karnel?.cost === 'string' ? karnel.cost : '0');
          if (cost.ok) costUnits += cost.value;
          return answer;
        },
      },
    });
    const index = skills.map((skill) => ({
      name: skill.name,
      grade: skill.grade,
      uses: skill.uses,
      idle_days: skill.idleDays,
      description: skill.description,
    }));
    const answer = await generateText({
      model: counted,
      system: INSTRUCTIONS,
      // Descriptions come from files agents write: escaped like everything shown to a model.
      prompt: escapeTerminalText(
        `Skill index (${index.length} skills, most used first):\n${index.map((entry) => JSON.stringify(entry)).join('\n')}`,
        { multiline: true },
      ),
      output: Output.object({ schema: curatorProposalsSchema, name: 'curator_proposals' }),
      maxOutputTokens: settings.max_output_tokens,
    });
    const { kept, filtered } = filterProposals(answer.output.proposals, skills);
    outcome = { proposals: kept, filtered };
  } catch (error) {
    outcome = { error: errorText(error) };
  }

  if (!treasury || reservation === undefined || !unit) return result(outcome);
  const minor = chargeCost(EMPTY_COST_CARRY, costUnits, unit).minor;
  try {
    if (minor > 0n)
      await treasury.commit(reservation, {
        actual: minor,
        description: `curator model pass ${pass}`,
      });
    else await treasury.release(reservation, `curator model pass ${pass} spent nothing`);
  } catch (error) {
    const settleError = `settling reservation ${reservation} failed: ${errorText(error)}`;
    return result(
      { ...outcome, error: outcome.error ? `${outcome.error}; ${settleError}` : settleError },
      { reservation },
    );
  }
  return result(outcome, { reservation, charged: formatMoney(minor, unit) });
}
