import { z } from 'zod';

/**
 * Why a member wakes. Every kind is decided by the tick from the group directory and the
 * ledger alone, with zero model calls.
 */
export const WAKE_REASON_KINDS = [
  /** The member's contract cadence (`daily`, `weekly`, a cron expression …) is due. */
  'cadence',
  /** A goal the member owns is due for review. */
  'goal-review',
  /** An unread structured message (Annex C) is addressed to the member. */
  'message',
  /** An approval the member's parked run waits on was answered by the owner. */
  'approval-answered',
  /** A human member replied to a message the member waits on. */
  'human-reply',
  /** An escalation was routed to the member. */
  'escalation',
  /** Someone asked for it: `karnel wake <role> --reason …` or the dashboard. */
  'manual',
  /** A run of the member was cut short (the runtime stopped or crashed) and resumes. */
  'interrupted',
  /**
   * A scheduled review is due for the group's reviewer (the strategist): the weekly strategic
   * review (`ref: review:weekly`) or the monthly meta-review (`ref: review:monthly`).
   */
  'review',
] as const;

/** One of {@link WAKE_REASON_KINDS}. */
export type WakeReasonKind = (typeof WAKE_REASON_KINDS)[number];

const wakeReasonKindSchema: z.ZodEnum<Record<WakeReasonKind, WakeReasonKind>> =
  z.enum(WAKE_REASON_KINDS);

/** The zod schema of a {@link WakeReason}, as stored in ledger records. */
export const wakeReasonSchema = z.strictObject({
  /** What kind of reason: one of {@link WAKE_REASON_KINDS}. */
  kind: wakeReasonKindSchema,
  /** One human-readable line: `cadence daily, last run 2026-12-05T08:00Z`. */
  detail: z.string().max(500),
  /** What the reason points at: a message id, an approval id, a goal id, a run id. */
  ref: z.string().max(200).optional(),
  /** When the reason arose (RFC 3339). */
  at: z.string(),
  /** The role that caused it (a message's sender); a member's own message never wakes it. */
  from: z.string().max(200).optional(),
  /** The parked or interrupted run this reason resumes (`approval-answered`, `human-reply`, `interrupted`). */
  runId: z.string().max(200).optional(),
});

/** Why a member wakes: a kind, one readable line and what it points at. */
export type WakeReason = z.infer<typeof wakeReasonSchema>;
