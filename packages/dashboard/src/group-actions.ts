import { join } from 'node:path';
import type { Signer } from '@karnel/core';
import { openLedger } from '@karnel/ledger';
import { openPolicyDirectory, signApprovalDecision } from '@karnel/policy';
import { groupLifecycleState } from '@karnel/runtime';

/** The outcome of a mutation: done, or refused with a reason the page shows. */
export type ActionResult =
  | {
      /** The write succeeded. */
      readonly ok: true;
      /** What was done, for the operator. */
      readonly message: string;
    }
  | {
      /** The write was refused or failed. */
      readonly ok: false;
      /** A short machine-readable reason for the failure. */
      readonly code: string;
      /** Why the write failed, for the operator. */
      readonly message: string;
    };

/**
 * The dashboard's writes, through exactly the path `karnel approvals` and `karnel safe-mode`
 * take: the group ledger opened with the operator's key, `@karnel/policy`'s approval queue
 * (which checks the stored request against the ledger and signs the decision) and safe-mode
 * switch. Every change is a signed ledger entry; the key never leaves this process.
 */
export class GroupActions {
  constructor(
    /** The group directory. */
    readonly dir: string,
    private readonly signer: Signer,
  ) {}

  /** The operator's identity (`did:key:…`). */
  get did(): string {
    return this.signer.did;
  }

  private async withPolicy<T>(
    task: (policy: Awaited<ReturnType<typeof openPolicyDirectory>>) => Promise<T>,
  ): Promise<T> {
    const ledger = await openLedger(join(this.dir, 'ledger'), { signer: this.signer });
    try {
      const policy = await openPolicyDirectory(this.dir, { ledger, signer: this.signer });
      return await task(policy);
    } finally {
      await ledger.close();
    }
  }

  /**
   * Approves or denies a pending request with a signature over its id, actor, capability, action
   * hash and expiry. Refused in a handed-off folder (the group runs, and waits for the answer,
   * where its bundle was imported) and in a dissolved group: the run state is the ledger's.
   */
  async decide(id: string, decision: 'approve' | 'deny', comment?: string): Promise<ActionResult> {
    const { state, since } = await groupLifecycleState(this.dir);
    const entry = since ? ` (ledger entry ${since.seq})` : '';
    if (state === 'handed-off')
      return {
        ok: false,
        code: 'handed-off',
        message: `the group was handed off${entry}: answer approvals where it runs now`,
      };
    if (state === 'dissolved')
      return {
        ok: false,
        code: 'dissolved',
        message: `the group was dissolved${entry}: no run will use an answer`,
      };
    return this.withPolicy(async (policy) => {
      const request = await policy.approvals.get(id);
      if (!request) return { ok: false, code: 'not-found', message: `no approval request ${id}` };
      const result = await policy.approvals.decide(
        signApprovalDecision(request, this.signer, {
          decision,
          ...(comment ? { comment } : {}),
        }),
      );
      if (!result.ok)
        return { ok: false, code: result.code, message: `${decision} refused: ${result.reason}` };
      return {
        ok: true,
        message: `${decision === 'approve' ? 'approved' : 'denied'} ${id} (${request.capability})`,
      };
    });
  }

  /** Turns safe mode on (any operator key) or off (the owner's key only). */
  safeMode(on: boolean, reason: string): Promise<ActionResult> {
    return this.withPolicy(async (policy) => {
      if (on) {
        const status = await policy.safeMode.enter({
          signer: this.signer,
          reason,
          trigger: 'manual',
        });
        const cancelled = status.cancelledApprovals;
        return {
          ok: true,
          message:
            cancelled === undefined
              ? 'safe mode was already on'
              : `safe mode on; ${cancelled.length} pending approval request(s) cancelled`,
        };
      }
      try {
        await policy.safeMode.exit({ signer: this.signer, reason });
      } catch (error) {
        return {
          ok: false,
          code: 'not-authorised',
          message: error instanceof Error ? error.message : String(error),
        };
      }
      return { ok: true, message: 'safe mode off' };
    });
  }
}
