export { checkQueueConnection } from './check-connection';
export {
  type CoordinatedRun,
  type Coordinator,
  type CoordinatorEvent,
  type CoordinatorOptions,
  createCoordinator,
} from './coordinator';
export { createCoordinatorQueue } from './coordinator-queue';
export { ClaimLostError, QueueConfigError } from './errors';
export {
  type ExecutorPartsOverrides,
  type ExecutorRuntime,
  openExecutorRuntime,
} from './executor-runtime';
export {
  type ExecutorRunEvent,
  type ExecutorWorker,
  type ExecutorWorkerOptions,
  startExecutorWorker,
} from './executor-worker';
export {
  createPostgresRunQueue,
  type DeadWake,
  type PostgresRunQueue,
} from './postgres-run-queue';
export {
  type PostgresQueueSettings,
  type PostgresQueueSettingsInput,
  postgresQueueSettingsSchema,
  QUEUE_URL_ENV,
  redactConnectionString,
  resolveQueueSettings,
} from './queue-settings';
export type { RemoteRunSession, RemoteRunTicket } from './remote-run-session';
export { RUN_CHANNEL_DDL, type RunMessage, type RunMessageKind } from './run-channel';
export {
  createRunRecordApplier,
  type RunRecord,
  type RunRecordApplier,
  type RunRecordApprovalRequest,
  type RunRecordContext,
  type RunRecordEpisode,
  type RunRecordMessage,
  type RunRecordSpend,
} from './run-records';
export { queueSchemaSql } from './schema-sql';
