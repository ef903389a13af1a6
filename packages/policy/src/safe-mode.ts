import { join } from 'node:path';
import {
  type Clock,
  canonicalJson,
  identitySchema,
  type LedgerPort,
  OutsideRootError,
  readFileInside,
  type Signer,
  systemClock,
  timestampSchema,
  withFileLock,
  writeFileAtomic,
} from '@karnel/core';
import { z } from 'zod';
import type { ApprovalQueue } from './approval-queue';
import { PolicyAuthorizationError } from './errors';
import { createLedgerCursor } from './ledger-cursor';
import type { PolicyDiagnosticCode } from './policy-diagnostic-code';
import type { PolicyDecision } from './policy-request';
import { sameIdentity, signPayload, verifyPayload } from './signed-json';

/** What turned safe mode on. */
export type SafeModeTrigger = 'manual' | 'repeated-denials' | 'budget-overrun' | (string & {});

/**
 * A signed safe-mode state: the body of every `safe_mode.entered` and `safe_mode.exited` ledger
 * record, and the readable copy in `<dir>/safe-mode.json`. Its `sequence` orders the states: each
 * change takes the next number after the ledger's highest, so an older state put back in place
 * of a newer one is recognised as a rollback.
 */
export const safeModeStateSchema = z.strictObject({
  /** Always `karnel.safe-mode.v2` (v1 states had no sequence and are no longer trusted). */
  type: z.literal('karnel.safe-mode.v2'),
  /** The position of this state among all safe-mode changes of the directory, from 1. */
  sequence: z.number().int().min(1),
  /** Whether safe mode is on. */
  active: z.boolean(),
  /** When it changed. */
  changed_at: timestampSchema,
  /** Who changed it (did:key); leaving safe mode must be signed by the owner. */
  changed_by: identitySchema,
  /** Why. */
  reason: z.string(),
  /** What turned it on (`manual`, `repeated-denials`, `budget-overrun`, …); absent when leaving. */
  trigger: z.string().optional(),
  /** Signature by `changed_by` over the RFC 8785 canonical JSON of the other fields. */
  signature: z.string(),
});

/** The signed safe-mode state. */
export type SafeModeState = z.infer<typeof safeModeStateSchema>;

/** Safe mode as reported by {@link SafeModeSwitch.status}. */
export interface SafeModeStatus {
  /** Whether safe mode is on. */
  readonly active: boolean;
  /** The state in force: the ledger's freshest valid state, when there is one. */
  readonly state?: SafeModeState;
  /**
   * Set when something could not be trusted (a rolled-back, unsigned, altered or unreadable
   * `safe-mode.json`; a ledger record with a bad signature, an exit not signed by the owner, a
   * replayed sequence): safe mode is then reported on, because a brake that can be released by
   * editing a file is no brake. A later valid change recorded in the ledger clears it.
   */
  readonly problem?: string;
  /** The stable code of `problem`. */
  readonly problemCode?: Extract<PolicyDiagnosticCode, `safe-mode/${string}`>;
  /** The approval requests that entering safe mode just cancelled. */
  readonly cancelledApprovals?: readonly string[];
}

/** Options of {@link createSafeMode}. */
export interface SafeModeOptions {
  /** The agent or group directory; the readable copy of the state lives in `safe-mode.json`. */
  readonly dir: string;
  /**
   * The owner identity: the only key that can turn safe mode off. Take it from `resolveOwner`
   * (or `openPolicyDirectory`), which checks it against the owner pinned in the ledger.
   */
  readonly owner: string;
  /** Entering safe mode cancels this queue's pending approvals. */
  readonly approvals?: Pick<ApprovalQueue, 'cancelPending'>;
  /**
   * The hash-chained ledger, appended to and read back: `safe_mode.entered` and
   * `safe_mode.exited` carry the signed state, and the freshest valid one is the state in force.
   */
  readonly ledger: LedgerPort;
  /** The clock. Default: the system clock. */
  readonly clock?: Clock;
}

/** The emergency brake. */
export interface SafeModeSwitch {
  /** The interface version. */
  readonly specificationVersion: 'v1';
  /**
   * Reads the freshest signed state from the ledger and checks `safe-mode.json` against it.
   * Without any recorded state safe mode is off; a missing `safe-mode.json` changes nothing
   * (the ledger decides, so a state that is on stays on).
   */
  status(): Promise<SafeModeStatus>;
  /**
   * Whether safe mode is on, as of the last `status`, `enter` or `exit` (synchronous, for
   * `createPolicy({ safeMode: { active: () => brake.isActive() } })`). Starts as `true` until
   * `status()` has been read once: before it knows, the brake assumes the worst.
   */
  isActive(): boolean;
  /**
   * Turns safe mode on, signed by `signer` (any identity may pull the brake), records
   * `safe_mode.entered` with the next sequence, then cancels pending approvals. Doing it while
   * already (trustworthily) on changes nothing.
   */
  enter(options: {
    signer: Signer;
    reason: string;
    trigger?: SafeModeTrigger;
  }): Promise<SafeModeStatus>;
  /**
   * Turns safe mode off and records `safe_mode.exited` with the next sequence.
   *
   * @throws {PolicyAuthorizationError} unless `signer` is the owner.
   */
  exit(options: { signer: Signer; reason: string }): Promise<SafeModeStatus>;
}

interface LedgerView {
  /** The freshest valid state. */
  readonly latest?: SafeModeState;
  /** The highest sequence any record claimed, valid or not. */
  readonly highest: number;
  /** What was wrong with records after the freshest valid one. */
  readonly problem?: string;
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

  // The ledger is append-only: fold each new safe-mode record into what is already known.
  const cursor = createLedgerCursor(ledger);
  let view: LedgerView = { highest: 0 };
  const readLedger = async (): Promise<LedgerView> => {
    let { latest, highest, problem } = view;
    for await (const entry of cursor.next()) {
      if (entry.type !== 'safe_mode.entered' && entry.type !== 'safe_mode.exited') continue;
      const parsed = safeModeStateSchema.safeParse(entry.body);
      if (!parsed.success) {
        // Records written before sequences existed carry no freshness; a later one decides.
        if ((entry.body as { type?: unknown }).type === 'karnel.safe-mode.v1') continue;
        problem = `ledger entry ${entry.seq} (${entry.type}) is not a safe-mode state`;
        continue;
      }
      const state = parsed.data;
      highest = Math.max(highest, state.sequence);
      const why = invalidRecord(entry.type, state, latest);
      if (why) {
        problem = `ledger entry ${entry.seq}: ${why}`;
        continue;
      }
      latest = state;
      problem = undefined;
    }
    view = { ...(latest ? { latest } : {}), highest, ...(problem ? { problem } : {}) };
    return view;
  };

  const invalidRecord = (
    type: string,
    state: SafeModeState,
    latest: SafeModeState | undefined,
  ): string | undefined => {
    if (!verifyPayload(state, state.signature, state.changed_by))
      return `the signature of safe-mode state ${state.sequence} does not verify for ${state.changed_by}`;
    if (state.active !== (type === 'safe_mode.entered'))
      return `a ${type} record says active: ${state.active}`;
    if (!state.active && !sameIdentity(state.changed_by, owner))
      return `safe mode was turned off by ${state.changed_by}, who is not the owner`;
    if (latest && state.sequence <= latest.sequence)
      return `safe-mode state ${state.sequence} is replayed after state ${latest.sequence}`;
    return undefined;
  };

  const untrusted = (
    problemCode: NonNullable<SafeModeStatus['problemCode']>,
    problem: string,
    state?: SafeModeState,
  ): SafeModeStatus => {
    known = true;
    return { active: true, ...(state ? { state } : {}), problem, problemCode };
  };

  const status = async (): Promise<SafeModeStatus> => {
    const view = await readLedger();
    const latest = view.latest;
    if (view.problem) return untrusted('safe-mode/tampered', view.problem, latest);
    let text: string | undefined;
    try {
      // Confined to the directory: a copy that a symbolic link leads out of it is not read.
      text = (await readFileInside(dir, path)).toString('utf8');
    } catch (error) {
      if (OutsideRootError.isInstance(error))
        return untrusted('safe-mode/tampered', error.message, latest);
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT')
        return untrusted('safe-mode/unreadable', `safe-mode.json cannot be read (${code})`, latest);
    }
    if (text !== undefined) {
      const problem = checkCopy(text, latest);
      if (problem) return untrusted(problem.code, problem.message, latest);
    }
    known = latest?.active ?? false;
    return { active: known, ...(latest ? { state: latest } : {}) };
  };

  /** Checks `safe-mode.json` against the ledger's freshest state. */
  const checkCopy = (
    text: string,
    latest: SafeModeState | undefined,
  ): { code: NonNullable<SafeModeStatus['problemCode']>; message: string } | undefined => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { code: 'safe-mode/tampered', message: 'safe-mode.json is not JSON' };
    }
    const parsed = safeModeStateSchema.safeParse(value);
    if (!parsed.success) {
      return {
        code: 'safe-mode/tampered',
        message:
          (value as { type?: unknown } | null)?.type === 'karnel.safe-mode.v1'
            ? 'safe-mode.json is a karnel.safe-mode.v1 state, which has no sequence and cannot be checked against the ledger; the owner must sign a new state (karnel safe-mode off)'
            : 'safe-mode.json is not a safe-mode state',
      };
    }
    const copy = parsed.data;
    if (!verifyPayload(copy, copy.signature, copy.changed_by))
      return {
        code: 'safe-mode/tampered',
        message: `the signature of safe-mode.json does not verify for ${copy.changed_by}`,
      };
    if (!latest)
      return {
        code: 'safe-mode/tampered',
        message: `safe-mode.json holds state ${copy.sequence}, but the ledger records no safe-mode state`,
      };
    if (copy.sequence < latest.sequence)
      return {
        code: 'safe-mode/rollback',
        message: `safe-mode.json holds state ${copy.sequence} (${copy.active ? 'on' : 'off'}), older than the ledger's state ${latest.sequence} (${latest.active ? 'on' : 'off'}): an old state was put back (rollback)`,
      };
    if (copy.sequence > latest.sequence)
      return {
        code: 'safe-mode/tampered',
        message: `safe-mode.json holds state ${copy.sequence}, which the ledger never recorded (its latest is ${latest.sequence})`,
      };
    if (canonicalJson(copy) !== canonicalJson(latest))
      return {
        code: 'safe-mode/tampered',
        message: `safe-mode.json differs from the ledger's state ${latest.sequence}`,
      };
    return undefined;
  };

  const change = async (
    signer: Signer,
    active: boolean,
    reason: string,
    trigger?: SafeModeTrigger,
  ): Promise<SafeModeState> => {
    const view = await readLedger();
    const body = {
      type: 'karnel.safe-mode.v2' as const,
      sequence: Math.max(view.highest, view.latest?.sequence ?? 0) + 1,
      active,
      changed_at: clock.now().toISOString(),
      changed_by: signer.did,
      reason,
      ...(trigger !== undefined ? { trigger } : {}),
    };
    const state: SafeModeState = { ...body, signature: signPayload(body, signer) };
    // The ledger first: it is the state in force; the file is a readable copy of it.
    await ledger.append(
      { type: active ? 'safe_mode.entered' : 'safe_mode.exited', body: { ...state } },
      { signer },
    );
    await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`);
    known = active;
    return state;
  };

  const locked = <T>(task: () => Promise<T>) => withFileLock(join(dir, '.safe-mode.lock'), task);

  return {
    specificationVersion: 'v1',
    status,
    isActive: () => known ?? true,
    async enter({ signer, reason, trigger = 'manual' }) {
      const entered = await locked(async () => {
        const current = await status();
        if (current.active && !current.problem) return { current };
        return { state: await change(signer, true, reason, trigger) };
      });
      if (!entered.state) return entered.current!;
      const cancelled = (await approvals?.cancelPending(`safe mode: ${reason}`, { signer })) ?? [];
      return {
        active: true,
        state: entered.state,
        cancelledApprovals: cancelled.map((request) => request.id),
      };
    },
    async exit({ signer, reason }) {
      if (!sameIdentity(signer.did, owner)) {
        throw new PolicyAuthorizationError({
          identity: signer.did,
          message: `only the owner (${owner}) can turn safe mode off; ${signer.did} cannot`,
        });
      }
      const state = await locked(() => change(signer, false, reason));
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
