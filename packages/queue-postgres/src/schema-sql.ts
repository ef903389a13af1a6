import { getConstructionPlans } from 'pg-boss';
import { RUN_CHANNEL_DDL } from './run-channel';

/**
 * The SQL that creates everything the queue needs in a database: pg-boss's tables in `schema`
 * (default `pgboss`) and Karnel's run channel (`karnel.run_message`). The queue creates them
 * itself on first use; this is for a database administrator who creates them ahead, with a
 * role the Karnel processes then use without DDL rights.
 */
export function queueSchemaSql(schema = 'pgboss'): string {
  return `${getConstructionPlans(schema)}\n${RUN_CHANNEL_DDL}`;
}
