import pg from 'pg';
import { sleep } from './run-channel';

/** The Postgres channel a queue notifies when a wake may be ready; the payload is the queue's name. */
export const WAKE_CHANNEL = 'karnel_wake';

/** A connection that listens for ready wakes of one queue. */
export interface WakeListener {
  /** Stops listening and closes the connection. */
  close(): Promise<void>;
}

/**
 * Listens on {@link WAKE_CHANNEL} for `queueName` and calls `onWake` for each notification, and
 * once after every (re)connection, since notifications sent while disconnected are lost. A
 * dropped connection is opened again every second; polling stays the floor meanwhile.
 */
export function listenForWakes(
  connectionString: string,
  queueName: string,
  onWake: () => void,
): WakeListener {
  let closed = false;
  let client: pg.Client | undefined;
  const running = (async () => {
    while (!closed) {
      const current = new pg.Client({ connectionString, application_name: 'karnel-wake-listener' });
      client = current;
      try {
        const ended = new Promise<void>((resolve) => {
          current.once('end', () => resolve());
          current.on('error', () => resolve());
        });
        current.on('notification', (message) => {
          if (message.payload === queueName) onWake();
        });
        await current.connect();
        await current.query(`LISTEN ${WAKE_CHANNEL}`);
        onWake();
        await ended;
      } catch {
        // The server is away: try again shortly.
      }
      await current.end().catch(() => {});
      if (!closed) await sleep(1000);
    }
  })();
  return {
    async close() {
      closed = true;
      await client?.end().catch(() => {});
      await running;
    },
  };
}
