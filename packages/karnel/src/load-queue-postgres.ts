import { CommandError } from './command-error';

/**
 * `@karnel/queue-postgres`, loaded only by `karnel run --queue` and `karnel executor`. It is an
 * optional peer dependency of the CLI (it brings the PostgreSQL client and pg-boss, which
 * `karnel run` alone never needs), so an install without it gets one line saying what to add.
 */
export async function loadQueuePostgres(): Promise<typeof import('@karnel/queue-postgres')> {
  try {
    return await import('@karnel/queue-postgres');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new CommandError(
        'running on a PostgreSQL queue needs the optional package @karnel/queue-postgres: install it next to karnel (npm install --global @karnel/queue-postgres, or npm install @karnel/queue-postgres in your project)',
      );
    throw error;
  }
}
