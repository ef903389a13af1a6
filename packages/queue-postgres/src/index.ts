export { ClaimLostError, QueueConfigError } from './errors';
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
