export { createDashboard, type Dashboard, type DashboardOptions } from './create-dashboard';
export { DashboardDirectoryError } from './errors';
export { type ActionResult, GroupActions } from './group-actions';
export {
  type ApprovalView,
  type BudgetAlert,
  type BudgetsView,
  type EscalationView,
  type GoalRow,
  type GroupInfo,
  GroupReader,
  type OrgMember,
  type Section,
  type SectionProblem,
  type SkillView,
} from './group-reader';
export type { LedgerSnapshot } from './ledger-snapshot';
export { foldRuns, type RunFiles, type RunState, type RunSummary, readRunFiles } from './runs-view';
export {
  CSRF_FIELD,
  CSRF_HEADER,
  createDashboardToken,
  csrfTokenFor,
  TOKEN_COOKIE,
} from './security';
export {
  type ServeDashboardOptions,
  type ServedDashboard,
  serveDashboard,
} from './serve-dashboard';
