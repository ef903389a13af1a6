import { moneySchema } from '@karnel/coordination';
import { z } from 'zod';

/**
 * The answer a foreign member gives (Annex B, section 3): an HTTP service's response body, a
 * subprocess's standard output. Unknown fields are refused so a typo never passes silently.
 */
export const foreignOutcomeSchema = z.strictObject({
  /** How the work ended, as in an Annex C `result`. */
  status: z.literal(['completed', 'partial', 'failed', 'declined']),
  /** What was done, in prose. */
  summary: z.string(),
  /** Structured outputs. */
  outputs: z.record(z.string(), z.unknown()).optional(),
  /** Paths or URIs of produced artifacts. */
  artifacts: z.array(z.string().min(1)).optional(),
  /** What the work cost, exact money. */
  cost: moneySchema.optional(),
  /** The member's own id for the work. */
  foreign_run_id: z.string().min(1).optional(),
});

/** A {@link foreignOutcomeSchema} answer. */
export type ForeignOutcome = z.infer<typeof foreignOutcomeSchema>;

/** An HTTP member's answer that the work goes on: poll `poll_url` until it ends. */
export const acceptedAnswerSchema = z.strictObject({
  /** The work was accepted and continues. */
  status: z.literal('accepted'),
  /** Where to ask for the outcome (absolute, or relative to the endpoint; same origin only). */
  poll_url: z.string().min(1),
});

/** Turns `problems` of a zod error into one sentence. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
