import { isIsoDate, isRfc3339 } from '@karnel/core';
import { z } from 'zod';

/** A hypothesis id: `hyp_` and letters, digits, `_` or `-` (new ones are `hyp_<ULID>`). */
export const HYPOTHESIS_ID_PATTERN = /^hyp_[A-Za-z0-9_-]+$/;

const reviewDateSchema = z.string().superRefine((value, context) => {
  if (!isIsoDate(value) && !isRfc3339(value)) {
    context.addIssue({
      code: 'custom',
      message: `"${value}" is not a date (YYYY-MM-DD) or an RFC 3339 timestamp`,
      params: { diagnosticCode: 'time/invalid' },
    });
  }
});

/** A reference to evidence: usually a ledger entry (`ledger/run_03`, `ledger/runs/run_…`). */
export const evidenceRefSchema = z.string().min(1);

/** One hypothesis the agent or group holds about its world, with the evidence on each side. */
export const hypothesisSchema = z.strictObject({
  /** `hyp_…`, unique within the file. */
  id: z
    .string()
    .regex(
      HYPOTHESIS_ID_PATTERN,
      'a hypothesis id is "hyp_" followed by letters, digits, "_" or "-"',
    ),
  /** The claim, stated so that evidence can support or refute it. */
  statement: z.string().min(1),
  /** References to evidence that supports the claim. */
  evidence_for: z.array(evidenceRefSchema).optional(),
  /** References to evidence that contradicts the claim. */
  evidence_against: z.array(evidenceRefSchema).optional(),
  /** How strongly the claim is believed, from 0 to 1. */
  confidence: z.number().min(0).max(1),
  /** When the hypothesis was last reviewed (a date, or an RFC 3339 timestamp). */
  last_reviewed: reviewDateSchema.optional(),
  /** `retired` hypotheses are kept for the record but no longer acted on. Absent means active. */
  status: z.literal(['active', 'retired']).optional(),
});

/** One hypothesis. */
export type Hypothesis = z.infer<typeof hypothesisSchema>;

/** What the agent or group has observed about itself. */
export const selfModelSchema = z.strictObject({
  /** Things it has seen itself do well. */
  strengths_observed: z.array(z.string().min(1)).optional(),
  /** Things it has seen itself do badly. */
  weaknesses_observed: z.array(z.string().min(1)).optional(),
  /** Questions it cannot answer yet. */
  open_questions: z.array(z.string().min(1)).optional(),
});

/** The self-model of {@link StrategicMemory}. */
export type SelfModel = z.infer<typeof selfModelSchema>;

/** The fields of a {@link SelfModel}, each a list of sentences. */
export const SELF_MODEL_FIELDS = [
  'strengths_observed',
  'weaknesses_observed',
  'open_questions',
] as const;

/** One of {@link SELF_MODEL_FIELDS}. */
export type SelfModelField = (typeof SELF_MODEL_FIELDS)[number];

/**
 * `memory/strategic.yaml`: the agent's or group's opinion of itself and its environment —
 * hypotheses with evidence, priors, and a self-model.
 */
export const strategicMemorySchema = z.strictObject({
  /** Claims under test. */
  hypotheses: z.array(hypothesisSchema).optional(),
  /** Beliefs taken as given when reasoning (usually conclusions of retired hypotheses). */
  priors: z.array(z.string().min(1)).optional(),
  /** What it has observed about itself. */
  self_model: selfModelSchema.optional(),
});

/** The content of `memory/strategic.yaml`. */
export type StrategicMemory = z.infer<typeof strategicMemorySchema>;

/** Strategic memory with nothing in it (the state of a memory that has none yet). */
export function emptyStrategicMemory(): StrategicMemory {
  return {};
}
