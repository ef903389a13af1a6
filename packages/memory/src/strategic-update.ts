import { type Clock, createId, InvalidArgumentError } from '@karnel/core';
import { z } from 'zod';
import { parseInput } from './parse-input';
import {
  evidenceRefSchema,
  HYPOTHESIS_ID_PATTERN,
  type Hypothesis,
  SELF_MODEL_FIELDS,
  type StrategicMemory,
  strategicMemorySchema,
} from './strategic-memory';

const hypothesisIdSchema = z
  .string()
  .regex(HYPOTHESIS_ID_PATTERN, 'expected a hypothesis id "hyp_…"');
const confidenceSchema = z.number().min(0).max(1);

/**
 * The changes strategic memory accepts. Each is a small, typed step, so the history reads as a
 * list of decisions ("confidence of hyp_… set to 0.4 after run_…") rather than as file diffs.
 */
export const strategicUpdateSchema = z.discriminatedUnion('type', [
  z.strictObject({
    /** Adds a hypothesis. */
    type: z.literal('add-hypothesis'),
    /** The id to use; a new `hyp_<ULID>` when absent. */
    id: hypothesisIdSchema.optional(),
    /** The claim. */
    statement: z.string().min(1),
    /** The initial confidence, 0 to 1. */
    confidence: confidenceSchema,
    /** Initial supporting evidence. */
    evidence_for: z.array(evidenceRefSchema).optional(),
    /** Initial contradicting evidence. */
    evidence_against: z.array(evidenceRefSchema).optional(),
  }),
  z.strictObject({
    /** Adds evidence to a hypothesis (refs already listed are not repeated). */
    type: z.literal('record-evidence'),
    /** The hypothesis. */
    hypothesis: hypothesisIdSchema,
    /** Which side the evidence is on. */
    direction: z.literal(['for', 'against']),
    /** The evidence references (ledger entries). */
    refs: z.array(evidenceRefSchema).min(1),
  }),
  z.strictObject({
    /** Sets a hypothesis's confidence; this counts as a review. */
    type: z.literal('set-confidence'),
    /** The hypothesis. */
    hypothesis: hypothesisIdSchema,
    /** The new confidence, 0 to 1. */
    confidence: confidenceSchema,
  }),
  z.strictObject({
    /** Records that a hypothesis was reviewed without changing it. */
    type: z.literal('mark-reviewed'),
    /** The hypothesis. */
    hypothesis: hypothesisIdSchema,
  }),
  z.strictObject({
    /** Retires a hypothesis: it stays in the file with `status: retired`. */
    type: z.literal('retire-hypothesis'),
    /** The hypothesis. */
    hypothesis: hypothesisIdSchema,
  }),
  z.strictObject({
    /** Adds a prior (ignored when already present). */
    type: z.literal('add-prior'),
    /** The prior. */
    prior: z.string().min(1),
  }),
  z.strictObject({
    /** Removes a prior. */
    type: z.literal('remove-prior'),
    /** The prior, exactly as written. */
    prior: z.string().min(1),
  }),
  z.strictObject({
    /** Adds and removes sentences of one self-model list. */
    type: z.literal('update-self-model'),
    /** Which list. */
    field: z.enum(SELF_MODEL_FIELDS),
    /** Sentences to add (ignored when already present). */
    add: z.array(z.string().min(1)).optional(),
    /** Sentences to remove, exactly as written. */
    remove: z.array(z.string().min(1)).optional(),
  }),
]);

/** One typed change to strategic memory. */
export type StrategicUpdate = z.infer<typeof strategicUpdateSchema>;

/**
 * Applies `updates` in order to a copy of `state` and returns the new state; `state` is not
 * changed. Add-hypothesis updates without an id get one, and the returned `updates` carry it,
 * so the history records exactly what was applied.
 *
 * @throws {InvalidArgumentError} for a malformed update, an unknown hypothesis, a duplicate
 * hypothesis id or a prior that is not there to remove.
 */
export function applyStrategicUpdates(
  state: StrategicMemory,
  updates: readonly StrategicUpdate[],
  clock: Clock,
): {
  /** The new state; the input state is left unchanged. */
  state: StrategicMemory;
  /** The updates as applied, with the ids given to new hypotheses. */
  updates: StrategicUpdate[];
} {
  const next = structuredClone(state) as StrategicMemory;
  const today = clock.now().toISOString().slice(0, 10);
  const applied: StrategicUpdate[] = [];
  updates.forEach((raw, index) => {
    const update = parseInput(strategicUpdateSchema, raw, `updates[${index}]`);
    const find = (id: string): Hypothesis => {
      const hypothesis = next.hypotheses?.find((candidate) => candidate.id === id);
      if (!hypothesis) {
        throw new InvalidArgumentError({
          argument: `updates[${index}].hypothesis`,
          value: id,
          message: `no hypothesis "${id}" in strategic memory`,
        });
      }
      return hypothesis;
    };
    switch (update.type) {
      case 'add-hypothesis': {
        const id = update.id ?? createId('hyp', clock.now().getTime());
        if (next.hypotheses?.some((candidate) => candidate.id === id)) {
          throw new InvalidArgumentError({
            argument: `updates[${index}].id`,
            value: id,
            message: `hypothesis "${id}" already exists`,
          });
        }
        const hypothesis: Hypothesis = {
          id,
          statement: update.statement,
          confidence: update.confidence,
          last_reviewed: today,
        };
        if (update.evidence_for?.length) hypothesis.evidence_for = unique(update.evidence_for);
        if (update.evidence_against?.length)
          hypothesis.evidence_against = unique(update.evidence_against);
        next.hypotheses = [...(next.hypotheses ?? []), hypothesis];
        applied.push({ ...update, id });
        return;
      }
      case 'record-evidence': {
        const hypothesis = find(update.hypothesis);
        const key = update.direction === 'for' ? 'evidence_for' : 'evidence_against';
        hypothesis[key] = unique([...(hypothesis[key] ?? []), ...update.refs]);
        break;
      }
      case 'set-confidence': {
        const hypothesis = find(update.hypothesis);
        hypothesis.confidence = update.confidence;
        hypothesis.last_reviewed = today;
        break;
      }
      case 'mark-reviewed':
        find(update.hypothesis).last_reviewed = today;
        break;
      case 'retire-hypothesis': {
        const hypothesis = find(update.hypothesis);
        hypothesis.status = 'retired';
        hypothesis.last_reviewed = today;
        break;
      }
      case 'add-prior':
        next.priors = unique([...(next.priors ?? []), update.prior]);
        break;
      case 'remove-prior': {
        if (!next.priors?.includes(update.prior)) {
          throw new InvalidArgumentError({
            argument: `updates[${index}].prior`,
            value: update.prior,
            message: 'no such prior in strategic memory',
          });
        }
        next.priors = next.priors.filter((prior) => prior !== update.prior);
        if (next.priors.length === 0) delete next.priors;
        break;
      }
      case 'update-self-model': {
        const selfModel = { ...(next.self_model ?? {}) };
        const removed = new Set(update.remove ?? []);
        const list = unique([
          ...(selfModel[update.field] ?? []).filter((entry) => !removed.has(entry)),
          ...(update.add ?? []),
        ]);
        if (list.length > 0) selfModel[update.field] = list;
        else delete selfModel[update.field];
        next.self_model = selfModel;
        if (Object.keys(selfModel).length === 0) delete next.self_model;
        break;
      }
    }
    applied.push(update);
  });
  // The result of typed updates is valid by construction; checking keeps that promise honest.
  return { state: parseInput(strategicMemorySchema, next, 'state'), updates: applied };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
