import { z } from 'zod';
import { QueueConfigError } from './errors';

/** The environment variable the connection string falls back to. */
export const QUEUE_URL_ENV = 'KARNEL_QUEUE_URL';

const connectionString = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'postgres:' || url.protocol === 'postgresql:';
  } catch {
    return false;
  }
}, 'a postgres:// or postgresql:// URL (postgres://user:password@host:5432/database)');

/** The zod schema of {@link PostgresQueueSettings}, as given to {@link createPostgresRunQueue}. */
export const postgresQueueSettingsSchema = z.strictObject({
  /** `postgres://user:password@host:port/database`; default: the `KARNEL_QUEUE_URL` environment variable. */
  connectionString: connectionString.optional(),
  /** The group's name; it names the pg-boss queues (`karnel.<group>.wake`), so several groups share one database. */
  group: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9_-]{0,62}$/i,
      'letters, digits, "-" and "_", starting with a letter or digit, at most 63 characters',
    ),
  /** The Postgres schema pg-boss keeps its tables in. Default `pgboss`. */
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lowercase SQL identifier')
    .default('pgboss'),
  /** Seconds a claim holds without a heartbeat before it is reclaimed (pg-boss `heartbeatSeconds`, at least 10). Default 30. */
  leaseSeconds: z.number().int().min(10).max(3600).default(30),
  /** How often, in seconds, lapsed leases are swept and reclaimed (pg-boss supervision). Default 5. */
  sweepSeconds: z.number().int().min(1).max(300).default(5),
  /** Longest a run may hold its claim even with heartbeats, in seconds. Default 4 hours. */
  maxRunSeconds: z.number().int().min(10).max(86_400).default(14_400),
  /** Times a wake may lose its lease (executor died) and be reclaimed before it goes to the dead letters. Default 3. */
  maxReclaims: z.number().int().min(0).max(100).default(3),
  /** Times a member's run may fail in a row before the wake goes to the dead letters. Default 3. */
  maxFailures: z.number().int().min(1).max(100).default(3),
  /** First retry delay after a failed run, in seconds; doubled each time (with jitter). Default 5. */
  retryDelaySeconds: z.number().min(0).max(86_400).default(5),
  /** Longest retry delay, in seconds. Default 300. */
  retryDelayMaxSeconds: z.number().min(0).max(86_400).default(300),
  /** Pool size of the queue's connections. Default 4. */
  maxConnections: z.number().int().min(2).max(100).default(4),
});

/** The queue's settings, before defaults (what a caller passes). */
export type PostgresQueueSettingsInput = z.input<typeof postgresQueueSettingsSchema>;

/** The queue's settings, defaults applied and the connection string resolved. */
export type PostgresQueueSettings = z.output<typeof postgresQueueSettingsSchema> & {
  /** The resolved connection string. */
  readonly connectionString: string;
};

/**
 * Checks a queue's settings and fills in the defaults; the connection string falls back to
 * `KARNEL_QUEUE_URL`. Throws {@link QueueConfigError} naming every problem (the password of a
 * connection string is never repeated in a message).
 */
export function resolveQueueSettings(
  input: PostgresQueueSettingsInput,
  env: Readonly<Record<string, string | undefined>> = process.env,
): PostgresQueueSettings {
  const parsed = postgresQueueSettingsSchema.safeParse({
    ...input,
    connectionString: input.connectionString ?? env[QUEUE_URL_ENV],
  });
  if (!parsed.success) {
    throw new QueueConfigError({
      problems: parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(settings)'}: ${issue.message}`,
      ),
    });
  }
  const connection = parsed.data.connectionString;
  if (connection === undefined) {
    throw new QueueConfigError({
      problems: [`connectionString: missing (pass it, or set ${QUEUE_URL_ENV})`],
    });
  }
  return { ...parsed.data, connectionString: connection };
}

/** A connection string with its password replaced by `***`, for messages and logs. */
export function redactConnectionString(value: string): string {
  try {
    const url = new URL(value);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable connection string)';
  }
}
