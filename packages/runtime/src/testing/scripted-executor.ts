import type { Ledger } from '@karnel/ledger';
import type { Treasury } from '@karnel/treasury';
import type { RunExecutor, RunResult, RunTicket } from '../run/run-executor';

/** What a {@link createScriptedExecutor} run does, decided per ticket. */
export interface ScriptedOutcome {
  /** How the run ends. Default `succeeded`. */
  readonly status?: 'succeeded' | 'failed' | 'parked';
  /** The exact cost it records. Default `0`. */
  readonly cost?: string;
  /** When parked: what it waits on (an `apr_…` or `msg_…` id). */
  readonly waitingOn?: string;
  /** When failed: why. */
  readonly error?: string;
  /** Milliseconds the run takes. When its signal aborts first, the run parks on `runtime-stop`. Default 0. */
  readonly durationMs?: number;
}

/** Options of {@link createScriptedExecutor}. */
export interface ScriptedExecutorOptions {
  /** The group ledger the run records go to. */
  readonly ledger: Ledger;
  /**
   * Settles each run's reservation (the ticket's `reservationId`): the cost is committed and the
   * rest released, as the default executor does. Without it reservations stay open until they lapse.
   */
  readonly treasury?: Pick<Treasury, 'commit'>;
  /** Decides each run's outcome. Default: every run succeeds at once, costing nothing. */
  readonly script?: (ticket: RunTicket) => ScriptedOutcome | Promise<ScriptedOutcome>;
}

/** A {@link RunExecutor} that also lists the tickets it was given. */
export interface ScriptedExecutor extends RunExecutor {
  /** Every ticket executed so far, in order. */
  readonly tickets: readonly RunTicket[];
}

/**
 * A deterministic {@link RunExecutor} that calls no model: it records a real run in the ledger
 * (`run.started` with the member and reasons, one `run.step`, then `run.finished` or
 * `run.parked`) as the script says. For testing a scheduler, a dashboard or a queue engine
 * against the records a real run leaves, and for dry rehearsals of a group's schedule.
 */
export function createScriptedExecutor({
  ledger,
  treasury,
  script = () => ({}),
}: ScriptedExecutorOptions): ScriptedExecutor {
  const tickets: RunTicket[] = [];
  return {
    tickets,
    async execute(ticket, { signal }): Promise<RunResult> {
      tickets.push(ticket);
      const outcome = await script(ticket);
      const reservationId = (ticket as RunTicket & { reservationId?: string }).reservationId;
      if (ticket.resume) {
        await ledger.append({
          type: 'run.resumed',
          body: { runId: ticket.runId, reasons: ticket.reasons },
        });
      } else {
        await ledger.startRun({
          runId: ticket.runId,
          manifest: {
            member: ticket.member,
            reasons: ticket.reasons,
            resumed: ticket.resume,
            ...(reservationId ? { reservationId } : {}),
          },
        });
      }
      if (outcome.durationMs) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, outcome.durationMs);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      // Stopped mid-run: park it as the default executor does; the next runtime resumes it.
      if (signal.aborted) {
        await ledger.append({
          type: 'run.parked',
          body: {
            runId: ticket.runId,
            step: 0,
            waitingOn: 'runtime-stop',
            why: 'the runtime is stopping; the run resumes after a restart',
          },
        });
        return { status: 'parked', cost: '0', steps: 0, waitingOn: 'runtime-stop' };
      }
      const cost = outcome.cost ?? '0';
      await ledger.appendStep(ticket.runId, {
        kind: 'tool',
        tool: 'scripted',
        output: { reasons: ticket.reasons.length },
      });
      const status = outcome.status ?? 'succeeded';
      if (treasury && reservationId)
        await treasury.commit(reservationId, { actual: cost, run: ticket.runId });
      if (status === 'parked') {
        const waitingOn = outcome.waitingOn ?? 'shutdown';
        await ledger.append({
          type: 'run.parked',
          body: { runId: ticket.runId, step: 1, waitingOn, why: 'scripted park' },
        });
        return { status, cost, steps: 1, waitingOn };
      }
      await ledger.finishRun(ticket.runId, {
        member: ticket.member,
        status,
        cost,
        ...(outcome.error ? { error: outcome.error } : {}),
      });
      return { status, cost, steps: 1, ...(outcome.error ? { error: outcome.error } : {}) };
    },
  };
}
