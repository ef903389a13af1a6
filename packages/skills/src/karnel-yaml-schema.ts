import { idSchema, timestampSchema } from '@karnel/core';
import { z } from 'zod';
import { executionSectionSchema } from './execution-schema';
import type { SkillsDiagnosticCode } from './skills-diagnostic-code';

/** The `karnel_skill_version` values this package reads. */
export const SUPPORTED_KARNEL_SKILL_VERSIONS = ['0.2'] as const;

/** One of {@link SUPPORTED_KARNEL_SKILL_VERSIONS}. */
export type KarnelSkillVersion = (typeof SUPPORTED_KARNEL_SKILL_VERSIONS)[number];

const karnelSkillVersionSchema: z.ZodEnum<Record<KarnelSkillVersion, KarnelSkillVersion>> = z.enum(
  SUPPORTED_KARNEL_SKILL_VERSIONS,
);

/**
 * Where a skill came from: written by the agent itself, or installed from a hub. Hub sources
 * carry the hub's id after the colon (`hermeshub:github-pr-review`).
 */
export const PROVENANCE_SOURCE_PATTERN = /^(self-authored|(hermeshub|agentskills):[^\s]+)$/;

/** `provenance.source`; diagnostic code `skill/invalid-provenance-source`. */
export const provenanceSourceSchema = z.string().superRefine((value, context) => {
  if (!PROVENANCE_SOURCE_PATTERN.test(value)) {
    context.addIssue({
      code: 'custom',
      message: `"${value}" is not a provenance source; expected "self-authored", "hermeshub:<id>" or "agentskills:<id>"`,
      params: { diagnosticCode: 'skill/invalid-provenance-source' satisfies SkillsDiagnosticCode },
    });
  }
});

/** Whether a provenance source names a hub (`hermeshub:` or `agentskills:`): such skills are protected. */
export function isHubSource(source: string | undefined): boolean {
  return source !== undefined && /^(hermeshub|agentskills):/.test(source);
}

/** `provenance`: who made the skill, when, and in which run. */
export const provenanceSchema = z.strictObject({
  /** `self-authored`, `hermeshub:<id>` or `agentskills:<id>`. */
  source: provenanceSourceSchema,
  /** When the skill was written or installed (RFC 3339). */
  created_at: timestampSchema.optional(),
  /** The run that wrote or installed it. */
  created_by_run: idSchema('run').optional(),
});

/** The type of {@link provenanceSchema}. */
export type SkillProvenance = z.infer<typeof provenanceSchema>;

/**
 * `usage`: how often the skill ran and how often it helped. Written by the runtime from ledger
 * outcomes (see `updateUsageFromOutcomes`); people rarely edit it.
 */
export const usageSchema = z.strictObject({
  /** How many times the skill was invoked. */
  total_invocations: z.number().int().nonnegative(),
  /** Share of invocations whose outcome succeeded, 0–1. */
  success_rate: z.number().min(0).max(1).optional(),
  /** The exact count behind `success_rate`, so repeated updates do not accumulate rounding. */
  successful_invocations: z.number().int().nonnegative().optional(),
  /** When the skill last ran (RFC 3339). */
  last_used_at: timestampSchema.optional(),
  /** The newest ledger outcome already counted; older or equal ones are skipped, so replays count once. */
  last_outcome_id: idSchema('out').optional(),
});

/** The type of {@link usageSchema}. */
export type SkillUsage = z.infer<typeof usageSchema>;

/** `attribution`: which ledger outcomes the skill contributed to. */
export const attributionSchema = z.strictObject({
  /** Ledger references such as `ledger/run_07`. */
  contributed_to_outcomes: z.array(z.string()).optional(),
});

/** The type of {@link attributionSchema}. */
export type SkillAttribution = z.infer<typeof attributionSchema>;

/**
 * `karnel.yaml`, the optional Karnel-specific file next to a SKILL.md. A skill without it is a
 * plain Agent Skills skill and works unchanged.
 */
export const karnelSkillFileSchema = z.strictObject({
  /** The version of this file's format; `0.2`. */
  karnel_skill_version: karnelSkillVersionSchema,
  /** Where the skill came from. */
  provenance: provenanceSchema.optional(),
  /** Invocation statistics. */
  usage: usageSchema.optional(),
  /** Outcomes the skill contributed to. */
  attribution: attributionSchema.optional(),
  /** How the skill's code runs, if it has any. */
  execution: executionSectionSchema.optional(),
});

/** The typed content of a `karnel.yaml`. */
export type KarnelSkillFile = z.infer<typeof karnelSkillFileSchema>;
