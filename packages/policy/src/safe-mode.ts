import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Clock,
  identitySchema,
  type Signer,
  systemClock,
  timestampSchema,
  writeFileAtomic,
} from '@karnel/core';
import { z } from 'zod';
import type { ApprovalQueue } from './approval-queue';
import { PolicyAuthorizationError } from './errors';
import type { PolicyLedger } from './policy-ledger';
import type { PolicyDecision } from './policy-request';
import { sameIdentity, signPayload, verifyPayload } from './signed-json';

/** What turned safe mode on. */
export type SafeModeTrigger = 'manual' | 'repeated-denials' | 'budget-overrun' | (string & {});

/** The signed safe-mode state stored in `<dir>/safe-mode.json`. */
export const safeModeStateSchema = z.strictObject({
  /** Always `karnel.safe-mode.v1`. */
  type: z.literal('karnel.safe-mode.v1'),
  /** Whether safe mode is on. */
  active: z.boolean(),
  /** When it last changed. */
  changed_at: timestampSchema,
  /** Who changed it (did:key); leaving safe mode must be signed by the owner. */
  changed_by: identitySchema,
  /** Why. */
  reason: z.string(),
  /** What turned it on (`manual`, `repeated-denials`, `budget-overrun`, …); absent when leaving. */
  trigger: z.string().optional(),
  /** Signature by `changed_by` over the other fields. */
  signature: z.string(),
});

/** The signed safe-mode state. */
export type SafeModeState = z.infer<typeof safeModeStateSchema>;

/** Safe mode as reported by {@link SafeModeSwitch.status}. */
export interface SafeModeStatus {
  /** Whether safe mode is on. */
  readonly active: boolean;
  /** The stored state, when there is a valid one. */
  readonly state?: SafeModeState;
  /**
   * Set when the stored state could not be trusted (bad signature, exit not signed by the
   * owner, unreadable): safe mode is then reported on, because a brake that can be released by
   * editing a file is no brake.
   */
  readonly problem?: string;
  /** The approval requests that entering safe mode just cancelled. */
  readonly cancelledApprovals?: readonly string[];
}

/** Options of {@link createSafeMode}. */
export interface SafeModeOptions {
  /** The agent or group directory; the state lives in `safe-mode.json`. */
  readonly dir: string;
  /** The owner identity: the only key that can turn safe mode off. */
  readonly owner: string;
  /** Entering safe mode cancels this queue's pending approvals. */
  readonly approvals?: Pick<ApprovalQueue, 'cancelPending'>;
  /** Where `safe_mode.entered` and `safe_mode.exited` are recorded, signed. */
  readonly ledger?: PolicyLedger;
  /** The clock. Default: the system clock. */
  readonly clock?: Clock;
}

/** The emergency brake. */
export interface SafeModeSwitch {
  /** The interface version. */
  readonly specificationVersion: 'v1';
  /** Reads and verifies the stored state. */
  status(): Promise<SafeModeStatus>;
  /**
   * Whether safe mode is on, as of the last `status`, `enter` or `exit` (synchronous, for
   * `createPolicy({ safeMode: { active: () => brake.isActive() } })`). Starts as `true` until
   * `status()` has been read once: before it knows, the brake assumes the worst.
   */
  isActive(): boolean;
  /**
   * Turns safe mode on, signed by `signer` (any identity may pull the brake), cancels pending
   * approvals and records `safe_mode.entered`. Doing it while already on changes nothing.
   */
  enter(options: {
    signer: Signer;
    reason: string;
    trigger?: SafeModeTrigger;
  }): Promise<SafeModeStatus>;
  /**
   * Turns safe mode off and records `safe_mode.exited`.
   *
   * @throws {PolicyAuthorizationError} unless `signer` is the owner.
   */
  exit(options: { signer: Signer; reason: string }): Promise<SafeModeStatus>;
}

/** Creates the {@link SafeModeSwitch} of a directory. */
export function createSafeMode({
  dir,
  owner,
  approvals,
  ledger,
  clock = systemClock,
}: SafeModeOptions): SafeModeSwitch {
  const path = join(dir, 'safe-mode.json');
  let known: boolean | undefined;

  const status = async (): Promise<SafeModeStatus> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        known = false;
        return { active: false };
      }
      known = true;
      return {
        active: true,
        problem: `safe-mode.json cannot be read (${(error as NodeJS.ErrnoException).code})`,
      };
    }
    let parsed: ReturnType<typeof safeModeStateSchema.safeParse>;
    try {
      parsed = safeModeStateSchema.safeParse(JSON.parse(text));
    } catch {
      known = true;
      return { active: true, problem: 'safe-mode.json is not JSON' };
    }
    if (!parsed.success) {
      known = true;
      return { active: true, problem: 'safe-mode.json is not a safe-mode state' };
    }
    const state = parsed.data;
    if (!verifyPayload(state, state.signature, state.changed_by)) {
      known = true;
      return {
        active: true,
        problem: `the signature of safe-mode.json does not verify for ${state.changed_by}`,
      };
    }
    if (!state.active && !sameIdentity(state.changed_by, owner)) {
      known = true;
      return {
        active: true,
        problem: `safe mode was turned off by ${state.changed_by}, who is not the owner`,
      };
    }
    known = state.active;
    return { active: state.active, state };
  };

  const store = async (
    signer: Signer,
    active: boolean,
    reason: string,
    trigger?: SafeModeTrigger,
  ): Promise<SafeModeState> => {
    const body = {
      type: 'karnel.safe-mode.v1' as const,
      active,
      changed_at: clock.now().toISOString(),
      changed_by: signer.did,
      reason,
      ...(trigger !== undefined ? { trigger } : {}),
    };
    const state: SafeModeState = { ...body, signature: signPayload(body, signer) };
    await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`);
    known = active;
    return state;
  };

  return {
    specificationVersion: 'v1',
    status,
    isActive: () => known ?? true,
    async enter({ signer, reason, trigger = 'manual' }) {
      const current = await status();
      if (current.active && !current.problem) return current;
      const state = await store(signer, true, reason, trigger);
      await ledger?.append({ type: 'safe_mode.entered', body: { ...state } }, { signer });
      const cancelled = (await approvals?.cancelPending(`safe mode: ${reason}`, { signer })) ?? [];
      return { active: true, state, cancelledApprovals: cancelled.map((request) => request.id) };
    },
    async exit({ signer, reason }) {
      if (!sameIdentity(signer.did, owner)) {
        throw new PolicyAuthorizationError({
          identity: signer.did,
          message: `only the owner (${owner}) can turn safe mode off; ${signer.did} cannot`,
        });
      }
      const state = await store(signer, false, reason);
      await ledger?.append({ type: 'safe_mode.exited', body: { ...state } }, { signer });
      return { active: false, state };
    },
  };
}

/** Options of {@link createSafeModeWatcher}. */
export interface SafeModeWatcherOptions {
  /** The switch to pull. */
  readonly safeMode: Pick<SafeModeSwitch, 'enter'>;
  /** The identity that signs an automatic entry (the runtime's or a worker's key). */
  readonly signer: Signer;
  /** Enter safe mode after `count` denials within `withinMs`. Absent: never on denials. */
  readonly repeatedDenials?: {
    /** How many denials turn safe mode on. */
    readonly count: number;
    /** Within how many milliseconds. */
    readonly withinMs: number;
  };
  /** The clock. Default: the system clock. */
  readonly clock?: Clock;
}

/** Watches decisions and spending, and pulls the brake when a trigger fires. */
export interface SafeModeWatcher {
  /** Feeds a decision; resolves `true` when this one turned safe mode on. */
  observe(decision: PolicyDecision): Promise<boolean>;
  /** Reports spending over a budget; turns safe mode on. */
  budgetOverrun(details: {
    spent: string | number;
    budget: string | number;
    period?: string;
  }): Promise<void>;
}

/**
 * Creates the automatic triggers of safe mode: repeated denials (an agent probing its
 * boundary) and budget overruns. Each entry is signed by `signer` and names its trigger.
 */
export function createSafeModeWatcher({
  safeMode,
  signer,
  repeatedDenials,
  clock = systemClock,
}: SafeModeWatcherOptions): SafeModeWatcher {
  const denials: number[] = [];
  return {
    async observe(decision) {
      if (!repeatedDenials || decision.effect !== 'deny') return false;
      const now = clock.now().getTime();
      denials.push(now);
      while (denials.length > 0 && denials[0]! <= now - repeatedDenials.withinMs) denials.shift();
      if (denials.length < repeatedDenials.count) return false;
      denials.length = 0;
      await safeMode.enter({
        signer,
        trigger: 'repeated-denials',
        reason: `${repeatedDenials.count} denials within ${Math.round(repeatedDenials.withinMs / 1000)} s; last: ${decision.reason}`,
      });
      return true;
    },
    async budgetOverrun({ spent, budget, period }) {
      await safeMode.enter({
        signer,
        trigger: 'budget-overrun',
        reason: `spent ${spent} against a budget of ${budget}${period ? ` per ${period}` : ''}`,
      });
    },
  };
}
