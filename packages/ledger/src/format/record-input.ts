import { z } from 'zod';
import type { Ledger } from '../ledger';
import type { LedgerEntry } from './entry';

const jsonObject = z.record(z.string(), z.unknown());

/** `{"type":"run.started","run_id"?,"manifest"?}`: starts a run. */
export const runStartedInputSchema = z.strictObject({
  /** Record type. */
  type: z.literal('run.started'),
  /** The run's id (`run_…`); a fresh one is made when absent. */
  run_id: z.string().optional(),
  /** What the run is: written to `runs/<run_id>/manifest.json`. */
  manifest: jsonObject.optional(),
});

/** `{"type":"run.step","run_id","step"}`: appends a step to a run. */
export const runStepInputSchema = z.strictObject({
  /** Record type. */
  type: z.literal('run.step'),
  /** The run the step belongs to. */
  run_id: z.string(),
  /** The step (tool call, decision, cost …): one line of `steps.jsonl`. */
  step: jsonObject,
});

/** `{"type":"run.finished","run_id","outcome"}`: finishes a run. */
export const runFinishedInputSchema = z.strictObject({
  /** Record type. */
  type: z.literal('run.finished'),
  /** The run to finish. */
  run_id: z.string(),
  /** What happened: written to `runs/<run_id>/outcome.yaml`. */
  outcome: jsonObject,
});

/** `{"type":"decision.recorded","context","reasoning",…}`: records a decision. */
export const decisionRecordedInputSchema = z.strictObject({
  /** Record type. */
  type: z.literal('decision.recorded'),
  /** The decision's id (`dec_…`); a fresh one is made when absent. */
  decision_id: z.string().optional(),
  /** The run the decision was taken in, if any. */
  run_id: z.string().optional(),
  /** What was known: `decisions/<dec_id>/context.yaml`. */
  context: jsonObject,
  /** Why: `decisions/<dec_id>/reasoning.md`. */
  reasoning: z.string(),
  /** The outcome, when already observable. */
  outcome: jsonObject.optional(),
});

/** `{"type":"decision.outcome","decision_id","outcome"}`: a decision's observed outcome. */
export const decisionOutcomeInputSchema = z.strictObject({
  /** Record type. */
  type: z.literal('decision.outcome'),
  /** The decision whose outcome this is. */
  decision_id: z.string(),
  /** Goal ids the outcome is attributed to. */
  goals: z.array(z.string()).optional(),
  /** The observed outcome. */
  outcome: jsonObject,
});

/** `{"type":"outcome.recorded","goals"?,"outcome"}`: a group outcome attributed to goals. */
export const outcomeRecordedInputSchema = z.strictObject({
  /** Record type. */
  type: z.literal('outcome.recorded'),
  /** The outcome's id (`out_…`); a fresh one is made when absent. */
  outcome_id: z.string().optional(),
  /** Goal ids the outcome is attributed to. */
  goals: z.array(z.string()).optional(),
  /** The outcome itself. */
  outcome: jsonObject,
});

/** `{"type":"coordination.logged","event"}`: a coordination log event. */
export const coordinationLoggedInputSchema = z.strictObject({
  /** Record type. */
  type: z.literal('coordination.logged'),
  /** The event: one line of `coordination_log.jsonl`. */
  event: jsonObject,
});

/** `{"type":"<dotted.lowercase>","body","files"?}`: any other record. */
export const genericRecordInputSchema = z.strictObject({
  /** A dotted lowercase record type (`approval.requested`, `spend.recorded` …). */
  type: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'a dotted lowercase type'),
  /** The record's content. */
  body: jsonObject,
  /** Files the entry adds, by path relative to the ledger, with their text. */
  files: z.record(z.string(), z.string()).optional(),
});

/**
 * The JSON form of a record, as `karnel ledger append` reads it: the record types of the
 * typed methods have their own shapes, any other type is a generic record.
 */
export type RecordInput =
  | z.infer<typeof runStartedInputSchema>
  | z.infer<typeof runStepInputSchema>
  | z.infer<typeof runFinishedInputSchema>
  | z.infer<typeof decisionRecordedInputSchema>
  | z.infer<typeof decisionOutcomeInputSchema>
  | z.infer<typeof outcomeRecordedInputSchema>
  | z.infer<typeof coordinationLoggedInputSchema>
  | z.infer<typeof genericRecordInputSchema>;

const typedSchemas: Record<string, z.ZodType<RecordInput>> = {
  'run.started': runStartedInputSchema,
  'run.step': runStepInputSchema,
  'run.finished': runFinishedInputSchema,
  'decision.recorded': decisionRecordedInputSchema,
  'decision.outcome': decisionOutcomeInputSchema,
  'outcome.recorded': outcomeRecordedInputSchema,
  'coordination.logged': coordinationLoggedInputSchema,
};

/**
 * The schema `value` must match, chosen by its `type` field (so that a mistake is reported
 * against the right shape rather than as "no union member matched").
 */
export function recordInputSchema(value: unknown): z.ZodType<RecordInput> {
  const type =
    typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  return (typeof type === 'string' && typedSchemas[type]) || genericRecordInputSchema;
}

/** Appends a validated {@link RecordInput} through the matching {@link Ledger} method. */
export async function appendRecordInput(ledger: Ledger, input: RecordInput): Promise<LedgerEntry> {
  switch (input.type) {
    case 'run.started': {
      const { run_id: runId, manifest } = input as z.infer<typeof runStartedInputSchema>;
      return (
        await ledger.startRun({ ...(runId ? { runId } : {}), ...(manifest ? { manifest } : {}) })
      ).entry;
    }
    case 'run.step': {
      const { run_id: runId, step } = input as z.infer<typeof runStepInputSchema>;
      return ledger.appendStep(runId, step);
    }
    case 'run.finished': {
      const { run_id: runId, outcome } = input as z.infer<typeof runFinishedInputSchema>;
      return ledger.finishRun(runId, outcome);
    }
    case 'decision.recorded': {
      const {
        decision_id: decisionId,
        run_id: runId,
        context,
        reasoning,
        outcome,
      } = input as z.infer<typeof decisionRecordedInputSchema>;
      return (
        await ledger.recordDecision({
          context,
          reasoning,
          ...(decisionId ? { decisionId } : {}),
          ...(runId ? { runId } : {}),
          ...(outcome ? { outcome } : {}),
        })
      ).entry;
    }
    case 'decision.outcome': {
      const {
        decision_id: decisionId,
        goals,
        outcome,
      } = input as z.infer<typeof decisionOutcomeInputSchema>;
      return ledger.recordOutcome({ decisionId, outcome, ...(goals ? { goals } : {}) });
    }
    case 'outcome.recorded': {
      const {
        outcome_id: outcomeId,
        goals,
        outcome,
      } = input as z.infer<typeof outcomeRecordedInputSchema>;
      return ledger.recordOutcome({
        outcome,
        ...(outcomeId ? { outcomeId } : {}),
        ...(goals ? { goals } : {}),
      });
    }
    case 'coordination.logged':
      return ledger.appendCoordination(
        (input as z.infer<typeof coordinationLoggedInputSchema>).event,
      );
    default: {
      const { type, body, files } = input as z.infer<typeof genericRecordInputSchema>;
      return ledger.append({ type, body, ...(files ? { files } : {}) });
    }
  }
}
