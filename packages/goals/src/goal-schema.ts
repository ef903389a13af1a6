import { isIsoDate } from '@karnel/core';
import { z } from 'zod';

/** The states a goal can be in. */
export const GOAL_STATUSES = ['active', 'blocked', 'achieved', 'abandoned'] as const;

/** One of {@link GOAL_STATUSES}. */
export type GoalStatus = (typeof GOAL_STATUSES)[number];

/** A zod schema for a {@link GoalStatus}. */
export const goalStatusSchema: z.ZodEnum<Record<GoalStatus, GoalStatus>> = z.enum(GOAL_STATUSES);

/** How often a review happens: on a clock, or on an event. */
export const REVIEW_CADENCES = [
  'per_run',
  'per_publication',
  'on_escalation',
  'on_demand',
  'hourly',
  'daily',
  'weekly',
  'biweekly',
  'monthly',
  'quarterly',
] as const;

/** One of {@link REVIEW_CADENCES}. */
export type ReviewCadence = (typeof REVIEW_CADENCES)[number];

/** A zod schema for a {@link ReviewCadence}. */
export const reviewCadenceSchema: z.ZodEnum<Record<ReviewCadence, ReviewCadence>> =
  z.enum(REVIEW_CADENCES);

/** Goal ids: a letter, then letters, digits, `_`, `-` or `.` (`g_subs`, `g_subs_traffic`). */
export const GOAL_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]*$/;

const goalId = z.string().regex(GOAL_ID_PATTERN, {
  message: 'a goal id starts with a letter and uses only letters, digits, "_", "-" and "."',
});

const isoDate = z.string().superRefine((value, context) => {
  if (!isIsoDate(value)) {
    context.addIssue({
      code: 'custom',
      message: `"${value}" is not a calendar date (YYYY-MM-DD)`,
      params: { diagnosticCode: 'goals/invalid-deadline' },
    });
  }
});

/**
 * A measurable metric. With `target` and `current` it contributes to progress:
 * `(current − baseline) / (target − baseline)`, clamped to 0–1. A falling target (churn down to
 * 2%) needs a `baseline` above it.
 */
export const metricObjectSchema = z.strictObject({
  /** What is measured (`free_subscribers`, `open_rate`). */
  name: z.string().min(1),
  /** The value that means "done". */
  target: z.number().optional(),
  /** The latest measured value. */
  current: z.number().optional(),
  /** Where the measurement started. Default 0. */
  baseline: z.number().optional(),
  /** Unit, for people (`subscribers`, `%`). */
  unit: z.string().optional(),
});

/** A metric: a plain name (`"open_rate"`), or a {@link metricObjectSchema} with figures. */
export const metricSchema = z.union([z.string().min(1), metricObjectSchema]);

/** A metric with figures. */
export type MetricObject = z.infer<typeof metricObjectSchema>;
/** A metric. */
export type Metric = z.infer<typeof metricSchema>;

/**
 * The fields of {@link goalSchema}, spelled out as a type: a goal contains goals, and TypeScript
 * cannot infer a schema's type from an initializer that refers to the schema itself. A type alias,
 * not an interface, because zod requires a shape to have a string index signature.
 */
export type GoalShape = {
  /** Unique id across the whole tree (`g_subs`). */
  id: z.ZodString;
  /** What the goal is, in a sentence; a date written as "by 2026-08-01" is its deadline. */
  statement: z.ZodString;
  /** How progress is measured. */
  metrics: z.ZodOptional<z.ZodArray<typeof metricSchema>>;
  /** Goals that together achieve this one. */
  sub_goals: z.ZodOptional<z.ZodArray<z.ZodObject<GoalShape, z.core.$strict>>>;
  /** The member role responsible; sub-goals without one inherit their parent's. */
  owner_role: z.ZodOptional<z.ZodString>;
  /** Where the goal stands. Default `active`. */
  status: z.ZodOptional<typeof goalStatusSchema>;
  /** For a blocked goal: the goal id or named condition it waits on. */
  blocker: z.ZodOptional<z.ZodString>;
  /** An explicit deadline (YYYY-MM-DD); overrides a date in the statement. */
  deadline: z.ZodOptional<z.ZodString>;
  /** For a role objective derived from a group's goals: the group goal it serves. */
  supports: z.ZodOptional<z.ZodString>;
};

/** One goal of a goal tree, with its sub-goals. Its fields are documented on {@link GoalShape}. */
export const goalSchema: z.ZodObject<GoalShape, z.core.$strict> = z.strictObject({
  id: goalId,
  statement: z.string().min(1),
  metrics: z.array(metricSchema).optional(),
  // A getter, so that the schema can refer to itself once it exists.
  get sub_goals(): z.ZodOptional<z.ZodArray<typeof goalSchema>> {
    return z.array(goalSchema).optional();
  },
  owner_role: z.string().min(1).optional(),
  status: goalStatusSchema.optional(),
  blocker: z.string().min(1).optional(),
  deadline: isoDate.optional(),
  supports: goalId.optional(),
});

/** One goal of a goal tree. */
export type Goal = z.infer<typeof goalSchema>;

/** The schema of `goals/current.yaml`. */
export const goalsFileSchema = z.strictObject({
  /** The mission the goals serve. */
  mission: z.string().optional(),
  /** The goal tree's top level. */
  active_goals: z.array(goalSchema),
  /** How often goals are reviewed. */
  review_cadence: z
    .strictObject({
      /** The strategic (goal-level) review, e.g. `weekly`. */
      strategic: reviewCadenceSchema.optional(),
      /** The tactical (per-task) review, e.g. `per_run`. */
      tactical: reviewCadenceSchema.optional(),
    })
    .optional(),
  /** Named conditions a blocker may refer to, besides the built-in ones. */
  conditions: z.array(z.string().min(1)).optional(),
});

/** `goals/current.yaml`, validated. */
export type GoalsFile = z.infer<typeof goalsFileSchema>;
