import { chargeCost, EMPTY_COST_CARRY, formatCost, formatMoney, parseCost } from '@karnel/core';
import { ReservationStateError } from '@karnel/treasury';
import type { RuntimeParts } from './open-runtime-parts';
import { readRecordedRun } from './recorded-run';
import type { RunResult } from './run-executor';

/** What {@link abandonRun} gives up. */
export interface AbandonRunInput {
  /** The run. */
  readonly runId: string;
  /** The member whose run it is. */
  readonly member: string;
  /** Why, one sentence (recorded in the outcome and the episode). */
  readonly why: string;
  /** A reservation taken for the run's next execution, released as well. */
  readonly reservationId?: string;
}

function units(cost: string | undefined): bigint {
  const parsed = parseCost(cost ?? '0');
  return parsed.ok ? parsed.value : 0n;
}

/**
 * Gives up a parked or interrupted run for good: the model calls it recorded but never settled
 * (its process died) are charged, every reservation it still holds is released, the run is
 * finished as `abandoned` in the ledger and an episode says so in the member's memory. A run
 * that was never started only has its reservation released; a finished run is left alone.
 */
export async function abandonRun(parts: RuntimeParts, input: AbandonRunInput): Promise<RunResult> {
  const { runId, member, why } = input;
  const recorded = await readRecordedRun(parts.ledger, runId);
  const reservations = [
    ...new Set([...recorded.reservations, ...(input.reservationId ? [input.reservationId] : [])]),
  ];
  const release = async (id: string) => {
    await parts.treasury.release(id, `run ${runId} abandoned: ${why}`).catch((error: unknown) => {
      if (!ReservationStateError.isInstance(error)) throw error;
    });
  };
  if (recorded.finished)
    return {
      status: 'failed',
      cost: '0',
      steps: recorded.steps.length,
      error: `run ${runId} is already finished`,
    };
  const { unit } = await parts.treasury.config();
  const settled = recorded.parkedCosts.reduce((sum, cost) => sum + units(cost), 0n);
  const spent = recorded.steps
    .filter((step) => step.kind === 'model')
    .reduce((sum, step) => sum + units(step.cost), 0n);
  const minor = spent > settled ? chargeCost(EMPTY_COST_CARRY, spent - settled, unit).minor : 0n;
  if (minor > 0n) {
    const tier = parts.members.get(member)?.tier;
    await parts.treasury.recordSpend({
      amount: minor,
      run: runId,
      description: `inference of run ${runId} (abandoned)`,
      ...(tier ? { modelClass: tier } : {}),
    });
  }
  for (const id of reservations) await release(id);
  const cost = formatMoney(minor, unit);
  if (recorded.started) {
    const total = settled + units(cost);
    await parts.ledger.finishRun(runId, {
      runId,
      member,
      status: 'abandoned',
      cost: formatCost(total),
      steps: recorded.steps.length,
      error: why,
    });
    await parts.memoryOf(member).appendEpisode({
      kind: 'run.abandoned',
      text: `${member} run ${runId} abandoned: ${why}`,
      actor: member,
      sources: [`ledger/runs/${runId}`],
      data: { runId, status: 'abandoned', cost, steps: recorded.steps.length },
    });
  }
  return { status: 'abandoned', cost, steps: recorded.steps.length, error: why };
}
