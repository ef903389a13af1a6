import pg from 'pg';

/** What an executor tells the coordinator about a run. */
export type RunMessageKind = 'start' | 'step' | 'record' | 'finish';

/** One message from an executor to the coordinator, with the coordinator's answer once handled. */
export interface RunMessage {
  /** Position in the channel: the coordinator handles messages in this order. */
  readonly id: number;
  /** The run. */
  readonly runId: string;
  /** The wake the run belongs to. */
  readonly wakeId: string;
  /** The claim's attempt (0, then one more per reclaim): stale attempts are fenced off. */
  readonly attempt: number;
  /** What it is. */
  readonly kind: RunMessageKind;
  /** For a step: its number within the run, from 0. */
  readonly seq: number | null;
  /** The content: the start request, the step record, one of the run's other writes (a `RunRecord`), or the run's result. */
  readonly body: Record<string, unknown>;
}

/**
 * The Postgres table executors write their runs' messages to and the coordinator reads in
 * order, answering each in place. Created on first use (under an advisory lock, so processes
 * starting together do not race).
 */
export const RUN_CHANNEL_DDL = `
CREATE SCHEMA IF NOT EXISTS karnel;
CREATE TABLE IF NOT EXISTS karnel.run_message (
  id bigserial PRIMARY KEY,
  group_name text NOT NULL,
  run_id text NOT NULL,
  wake_id text NOT NULL,
  attempt integer NOT NULL,
  kind text NOT NULL,
  seq integer,
  body jsonb NOT NULL,
  created_on timestamptz NOT NULL DEFAULT now(),
  handled_on timestamptz,
  reply jsonb
);
ALTER TABLE karnel.run_message DROP CONSTRAINT IF EXISTS run_message_kind_check;
CREATE INDEX IF NOT EXISTS run_message_pending ON karnel.run_message (group_name, id) WHERE handled_on IS NULL;
CREATE INDEX IF NOT EXISTS run_message_run ON karnel.run_message (group_name, run_id, kind);
`;

/** A small wrapper over a `pg` pool that retries through a restarting server. */
export interface RunChannel {
  /** Sends a message; resolves with its id. */
  send(message: Omit<RunMessage, 'id'>): Promise<number>;
  /** Waits for the coordinator's answer to message `id`. */
  reply(id: number, signal?: AbortSignal): Promise<Record<string, unknown>>;
  /** The oldest messages not yet handled, in order. */
  pending(limit: number): Promise<RunMessage[]>;
  /** Marks a message handled with its answer. */
  answer(id: number, reply: Record<string, unknown>): Promise<void>;
  /** The highest attempt whose start each run's coordinator answered (the fences after a restart). */
  fences(): Promise<Map<string, number>>;
  /** Deletes the messages of runs that finished more than `hours` ago; resolves with how many. */
  prune(hours: number): Promise<number>;
  /** Ends the pool. */
  close(): Promise<void>;
}

/** How long an operation keeps retrying while the server is unreachable. Default 120 s. */
const RETRY_FOR_MS = 120_000;

/** Opens the channel of `group` on the database at `connectionString`, creating its table. */
export async function openRunChannel(
  connectionString: string,
  group: string,
  { pollMs = 20 }: { pollMs?: number } = {},
): Promise<RunChannel> {
  const pool = new pg.Pool({
    connectionString,
    max: 3,
    application_name: `karnel-run-channel ${group}`,
  });
  // A lost connection is reported here and by the query that used it; queries are retried.
  pool.on('error', () => {});
  let closed = false;

  async function query<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    const deadline = Date.now() + RETRY_FOR_MS;
    for (;;) {
      try {
        return await pool.query<R>(text, values);
      } catch (error) {
        if (closed || !isTransient(error) || Date.now() > deadline) throw error;
        await sleep(250);
      }
    }
  }

  const client = await connectWithRetry(pool);
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('karnel.run_message'))`);
    await client.query(RUN_CHANNEL_DDL);
    await client.query('COMMIT');
  } finally {
    client.release();
  }

  return {
    async send(message) {
      const { rows } = await query<{ id: string }>(
        `INSERT INTO karnel.run_message (group_name, run_id, wake_id, attempt, kind, seq, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [
          group,
          message.runId,
          message.wakeId,
          message.attempt,
          message.kind,
          message.seq,
          message.body,
        ],
      );
      return Number(rows[0]?.id);
    },
    async reply(id, signal) {
      for (;;) {
        signal?.throwIfAborted();
        const { rows } = await query<{ reply: Record<string, unknown> | null }>(
          'SELECT reply FROM karnel.run_message WHERE id = $1 AND handled_on IS NOT NULL',
          [id],
        );
        if (rows[0]?.reply) return rows[0].reply;
        await sleep(pollMs);
      }
    },
    async pending(limit) {
      const { rows } = await query<{
        id: string;
        run_id: string;
        wake_id: string;
        attempt: number;
        kind: RunMessageKind;
        seq: number | null;
        body: Record<string, unknown>;
      }>(
        `SELECT id, run_id, wake_id, attempt, kind, seq, body FROM karnel.run_message
          WHERE group_name = $1 AND handled_on IS NULL ORDER BY id LIMIT $2`,
        [group, limit],
      );
      return rows.map((row) => ({
        id: Number(row.id),
        runId: row.run_id,
        wakeId: row.wake_id,
        attempt: row.attempt,
        kind: row.kind,
        seq: row.seq,
        body: row.body,
      }));
    },
    async answer(id, reply) {
      await query('UPDATE karnel.run_message SET handled_on = now(), reply = $2 WHERE id = $1', [
        id,
        reply,
      ]);
    },
    async fences() {
      const { rows } = await query<{ run_id: string; attempt: number }>(
        `SELECT run_id, max(attempt)::int AS attempt FROM karnel.run_message
          WHERE group_name = $1 AND kind = 'start' AND handled_on IS NOT NULL
            AND (reply->>'decision') = 'run'
          GROUP BY run_id`,
        [group],
      );
      return new Map(rows.map((row) => [row.run_id, row.attempt]));
    },
    async prune(hours) {
      const { rowCount } = await query(
        `DELETE FROM karnel.run_message
          WHERE group_name = $1 AND handled_on IS NOT NULL
            AND run_id IN (
              SELECT run_id FROM karnel.run_message
               WHERE group_name = $1 AND kind = 'finish' AND (reply->>'accepted') = 'true'
                 AND handled_on < now() - $2 * interval '1 hour')`,
        [group, hours],
      );
      return rowCount ?? 0;
    },
    async close() {
      closed = true;
      await pool.end();
    },
  };
}

async function connectWithRetry(pool: pg.Pool): Promise<pg.PoolClient> {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (;;) {
    try {
      return await pool.connect();
    } catch (error) {
      if (!isTransient(error) || Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

/** Whether `error` is the server restarting or a connection dropping, worth retrying. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  if (code !== undefined && /^(08|57P0[1-3]|53300)/.test(code)) return true;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE') return true;
  return /Connection terminated|connection.*(closed|ended|terminated)|Client has encountered a connection error|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|terminating connection/i.test(
    error.message,
  );
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
