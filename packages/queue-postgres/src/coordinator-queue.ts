import { type RunQueue, wakeReasonKey } from '@karnel/runtime';

/** How long a reason enqueued by the coordinator's runtime is remembered. Default 24 hours. */
const REMEMBER_MS = 24 * 60 * 60 * 1000;

/**
 * The `RunQueue` (`@karnel/runtime`) a coordinator's runtime (`createRuntime` of `@karnel/runtime`) ticks
 * into: it enqueues on the group's PostgreSQL queue and never claims (executors do), and it is
 * not closed by the runtime (the coordinator owns it). The runtime learns that a reason was
 * taken care of from its own dispatches, which a coordinator never makes, so a reason it
 * already enqueued for a member is not enqueued again while it is remembered (`rememberMs`):
 * it is answered as coalesced into the wake it went to.
 *
 * @example
 * ```ts
 * const runtime = createRuntime({
 *   dir,
 *   executor: { execute: () => Promise.reject(new Error('executors run')) },
 *   ledger: parts.ledger,
 *   treasury: parts.treasury,
 *   queue: createCoordinatorQueue(coordinator.queue, { runs: coordinator.runs }),
 * });
 * ```
 */
export function createCoordinatorQueue(
  queue: RunQueue,
  {
    rememberMs = REMEMBER_MS,
    now = () => Date.now(),
    runs,
  }: {
    /** How long an enqueued reason is remembered, in milliseconds. Default 24 hours. */
    rememberMs?: number;
    /** The clock, in milliseconds. */
    now?: () => number;
    /**
     * The coordinator's runs (`Coordinator.runs`). The runtime takes a run that is running in
     * the ledger but not in its own hands for interrupted and offers to resume it; on a
     * coordinator every running run is in an executor's hands, and a dead executor's run is
     * reclaimed by its lease, so such a reason is refused.
     */
    runs?: ReadonlyMap<string, { readonly finished?: string; readonly parked: boolean }>;
  } = {},
): RunQueue {
  const enqueued = new Map<string, { wakeId: string; at: number }>();
  return {
    specificationVersion: queue.specificationVersion,
    async enqueue(member, reason) {
      const run =
        reason.kind === 'interrupted' && reason.runId ? runs?.get(reason.runId) : undefined;
      if (run !== undefined && !run.parked)
        return {
          status: 'refused',
          why: `run ${reason.runId} is ${run.finished === undefined ? "in an executor's hands (its lease reclaims it if the executor dies)" : 'finished'}`,
        };
      const at = now();
      for (const [key, seen] of enqueued) if (at - seen.at > rememberMs) enqueued.delete(key);
      const key = `${member}\u0000${reason.ref ?? wakeReasonKey(reason)}`;
      const seen = enqueued.get(key);
      if (seen !== undefined) return { status: 'coalesced', wakeId: seen.wakeId };
      const result = await queue.enqueue(member, reason);
      if (result.status !== 'refused') enqueued.set(key, { wakeId: result.wakeId, at });
      return result;
    },
    claim: () => Promise.resolve(undefined),
    heartbeat: () => Promise.resolve(),
    complete: () => Promise.resolve(),
    snapshot: () => queue.snapshot(),
    close: () => Promise.resolve(),
  };
}
