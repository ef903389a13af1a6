export { goalDeadline, parseStatementDeadline, type StatementDeadline } from './deadline';
export {
  cadenceInterval,
  type DueForReviewOptions,
  dueForReview,
  type ReviewDue,
  type ReviewEvent,
  type ReviewRecord,
  type ReviewState,
} from './due-for-review';
export { GoalNotFoundError } from './errors';
export {
  GOAL_HISTORY_FILE,
  type GoalHistory,
  type GoalStatusChange,
  goalStatusChangeSchema,
  readGoalHistory,
} from './goal-history';
export {
  GOAL_ID_PATTERN,
  GOAL_STATUSES,
  type Goal,
  type GoalShape,
  type GoalStatus,
  type GoalsFile,
  goalSchema,
  goalStatusSchema,
  goalsFileSchema,
  type Metric,
  type MetricObject,
  metricObjectSchema,
  metricSchema,
  REVIEW_CADENCES,
  type ReviewCadence,
  reviewCadenceSchema,
} from './goal-schema';
export {
  GOALS_DIAGNOSTIC_CODES,
  type GoalsDiagnosticCode,
  isGoalsDiagnosticCode,
} from './goals-diagnostic-code';
export {
  checkGoalsDocument,
  type LoadedGoals,
  type LoadGoalsOptions,
  loadGoals,
} from './load-goals';
export { type GoalProgress, metricProgress, rollUpProgress } from './progress';
export {
  type DeriveRoleObjectivesOptions,
  deriveRoleObjectives,
  type EffectiveGoals,
  effectiveGoals,
} from './role-objectives';
export {
  type GoalStatusUpdate,
  type UpdateGoalStatusOptions,
  updateGoalStatus,
} from './update-goal-status';
export {
  KNOWN_BLOCKER_CONDITIONS,
  type ValidateGoalsOptions,
  validateGoals,
} from './validate-goals';
export { GOALS_FILE, type ValidateGoalsDirOptions, validateGoalsDir } from './validate-goals-dir';
export { findGoal, type GoalVisit, walkGoals } from './walk-goals';
