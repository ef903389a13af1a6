import { type Clock, createId, systemClock } from '@karnel/core';
import type { WakeReason } from '../wake-reason';
import type {
  ClaimedWake,
  EnqueueResult,
  MemberQueueState,
  RunQueue,
  WakeCompletion,
} from './run-queue';

/** Options of {@link createInProcessRunQueue}. */
export interface InProcessRunQueueOptions {
  /** Where times come from. Default: the system clock. */
  readonly clock?: Clock;
  /** How long a claim holds before a heartbeat must extend it. Default 600 000 ms (10 min). */
  readonly claimTtlMs?: number;
  /** Whether a member is paused: its reasons are refused. Default: no member is. */
  readonly isPaused?: (member: string) => boolean;
  /** Most distinct reasons one queued wake keeps; later ones are counted, not kept. Default 200. */
  readonly maxReasons?: number;
}

interface QueuedWake {
  readonly wakeId: string;
  readonly member: string;
  readonly reasons: WakeReason[];
  readonly keys: Set<string>;
  readonly queuedAt: number;
  dropped: number;
}

interface RunningWake {
  readonly wakeId: string;
  readonly member: string;
  readonly runId: string;
  readonly since: string;
  readonly keys: ReadonlySet<string>;
  leaseExpiresAt: number;
}

/** The key two reasons coalesce on: the same kind about the same thing. */
export function wakeReasonKey(reason: WakeReason): string {
  return `${reason.kind}:${reason.ref ?? reason.detail}`;
}

/**
 * The in-process {@link RunQueue}: at most one queued and one running wake per member, every
 * new reason coalescing into the queued wake (a reason already queued or running is not added
 * twice). Its state lives in memory; after a restart the runtime's first tick rebuilds it from
 * the ledger and the group directory, where every reason comes from.
 */
export function createInProcessRunQueue({
  clock = systemClock,
  claimTtlMs = 600_000,
  isPaused = () => false,
  maxReasons = 200,
}: InProcessRunQueueOptions = {}): RunQueue {
  const queued = new Map<string, QueuedWake>();
  const running = new Map<string, RunningWake>();
  const runningByWake = new Map<string, RunningWake>();
  let closed = false;

  const ensureOpen = () => {
    if (closed) throw new Error('the run queue is closed');
  };

  return {
    specificationVersion: 'v1',

    async enqueue(member, reason): Promise<EnqueueResult> {
      ensureOpen();
      if (reason.from === member)
        return { status: 'refused', why: `a member's own message never wakes it (${member})` };
      if (isPaused(member)) return { status: 'refused', why: `${member} is paused` };
      const key = wakeReasonKey(reason);
      const current = running.get(member);
      const waiting = queued.get(member);
      if (waiting) {
        if (!waiting.keys.has(key) && !current?.keys.has(key)) {
          if (waiting.reasons.length < maxReasons) {
            waiting.reasons.push(reason);
            waiting.keys.add(key);
          } else waiting.dropped += 1;
        }
        return { status: 'coalesced', wakeId: waiting.wakeId };
      }
      if (current?.keys.has(key)) return { status: 'coalesced', wakeId: current.wakeId };
      const wake: QueuedWake = {
        wakeId: `wake_${createId('ent').slice(4)}`,
        member,
        reasons: [reason],
        keys: new Set([key]),
        queuedAt: clock.now().getTime(),
        dropped: 0,
      };
      queued.set(member, wake);
      return { status: 'queued', wakeId: wake.wakeId };
    },

    async claim(): Promise<ClaimedWake | undefined> {
      ensureOpen();
      const now = clock.now().getTime();
      // A claim whose lease ran out (its run hung or its process died) frees the member.
      for (const wake of running.values()) {
        if (wake.leaseExpiresAt < now) {
          running.delete(wake.member);
          runningByWake.delete(wake.wakeId);
        }
      }
      let oldest: QueuedWake | undefined;
      for (const wake of queued.values()) {
        if (running.has(wake.member)) continue;
        if (!oldest || wake.queuedAt < oldest.queuedAt) oldest = wake;
      }
      if (!oldest) return undefined;
      queued.delete(oldest.member);
      const resumeFrom = oldest.reasons.find((reason) => reason.runId !== undefined)?.runId;
      const runId = resumeFrom ?? createId('run');
      const claim: RunningWake = {
        wakeId: oldest.wakeId,
        member: oldest.member,
        runId,
        since: new Date(now).toISOString(),
        keys: oldest.keys,
        leaseExpiresAt: now + claimTtlMs,
      };
      running.set(oldest.member, claim);
      runningByWake.set(claim.wakeId, claim);
      return {
        wakeId: oldest.wakeId,
        member: oldest.member,
        reasons: [...oldest.reasons],
        runId,
        resume: resumeFrom !== undefined,
        leaseExpiresAt: new Date(claim.leaseExpiresAt).toISOString(),
      };
    },

    async heartbeat(wakeId) {
      ensureOpen();
      const wake = runningByWake.get(wakeId);
      if (wake) wake.leaseExpiresAt = clock.now().getTime() + claimTtlMs;
    },

    async complete(wakeId, _completion: WakeCompletion) {
      const wake = runningByWake.get(wakeId);
      if (!wake) return;
      runningByWake.delete(wakeId);
      if (running.get(wake.member)?.wakeId === wakeId) running.delete(wake.member);
    },

    async snapshot(): Promise<readonly MemberQueueState[]> {
      const members = new Set([...queued.keys(), ...running.keys()]);
      return [...members].sort().map((member) => {
        const waiting = queued.get(member);
        const current = running.get(member);
        return {
          member,
          ...(waiting ? { queued: { wakeId: waiting.wakeId, reasons: [...waiting.reasons] } } : {}),
          ...(current
            ? { running: { wakeId: current.wakeId, runId: current.runId, since: current.since } }
            : {}),
        };
      });
    },

    async close() {
      closed = true;
    },
  };
}
