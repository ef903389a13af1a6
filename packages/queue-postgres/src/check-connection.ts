import pg from 'pg';
import { QueueConfigError } from './errors';
import { redactConnectionString } from './queue-settings';

/**
 * Connects once to the queue's database and disconnects, so a process can refuse to start
 * with one clear line instead of retrying a wrong address for minutes. Throws a
 * {@link QueueConfigError} naming the server (its password masked) and the cause.
 *
 * @example
 * ```ts
 * await checkQueueConnection('postgres://karnel:secret@127.0.0.1:5432/karnel');
 * ```
 */
export async function checkQueueConnection(
  connectionString: string,
  { timeoutMs = 10_000 }: { timeoutMs?: number } = {},
): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const password = safePassword(connectionString);
    let why = error instanceof Error ? error.message : String(error);
    if (why === '' && error instanceof AggregateError)
      why = error.errors.map((inner: Error) => inner.message).join('; ');
    if (password !== '') why = why.split(password).join('***');
    throw new QueueConfigError({
      problems: [`cannot connect to ${redactConnectionString(connectionString)}: ${why}`],
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

function safePassword(value: string): string {
  try {
    return decodeURIComponent(new URL(value).password);
  } catch {
    return '';
  }
}
