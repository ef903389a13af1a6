import { type Diagnostic, KarnelError } from '@karnel/core';
import type { PolicyDiagnosticCode } from './policy-diagnostic-code';

const marker = Symbol.for('karnel.error.PolicyAuthorizationError');

/**
 * A signer tried something its key does not authorise: leaving safe mode without the owner's
 * key, revoking a grant it did not issue. The message names the identity and what it lacked.
 */
export class PolicyAuthorizationError extends KarnelError {
  private readonly [marker] = true;
  /** The identity that was refused. */
  readonly identity: string;

  constructor({ identity, message }: { identity: string; message: string }) {
    super({ name: 'PolicyAuthorizationError', message });
    this.identity = identity;
  }

  /** Whether `error` is a {@link PolicyAuthorizationError} from any copy of this package. */
  static override isInstance(error: unknown): error is PolicyAuthorizationError {
    return KarnelError.hasMarker(error, 'karnel.error.PolicyAuthorizationError');
  }
}

const tamperedMarker = Symbol.for('karnel.error.ApprovalTamperedError');

/**
 * What an approval file disagrees with: a field of `approvals/<id>.json` whose value differs
 * from what the ledger recorded or the owner signed (`status`, `capability`, `expires_at` …),
 * `action` when the stored action does not hash to the bound action hash, or `file` when the
 * file is missing or unreadable.
 */
export type TamperedApprovalField = string;

/**
 * An approval request on disk contradicts the hash-chained ledger or the owner's signature:
 * someone edited `approvals/<id>.json` (a status set back to `approved`, another capability, a
 * later expiry, a decoy action), or a write was interrupted. The request is refused; the ledger
 * and the signature stay authoritative. The message names the request and every field concerned.
 */
export class ApprovalTamperedError extends KarnelError {
  private readonly [tamperedMarker] = true;
  /** The approval request concerned (`apr_…`). */
  readonly approvalId: string;
  /** The fields that disagree (see {@link TamperedApprovalField}). */
  readonly fields: readonly TamperedApprovalField[];
  /** `approval/tampered`, `approval/inconsistent-action` (decoy action) or `approval/not-recorded`. */
  readonly code: Extract<PolicyDiagnosticCode, `approval/${string}`>;

  constructor({
    approvalId,
    fields,
    code,
    message,
  }: {
    approvalId: string;
    fields: readonly TamperedApprovalField[];
    code: Extract<PolicyDiagnosticCode, `approval/${string}`>;
    message: string;
  }) {
    super({ name: 'ApprovalTamperedError', message });
    this.approvalId = approvalId;
    this.fields = fields;
    this.code = code;
  }

  /** Whether `error` is an {@link ApprovalTamperedError} from any copy of this package. */
  static override isInstance(error: unknown): error is ApprovalTamperedError {
    return KarnelError.hasMarker(error, 'karnel.error.ApprovalTamperedError');
  }
}

const ownerMarker = Symbol.for('karnel.error.PolicyOwnerError');

/**
 * The owner named by the manifest is not the owner the ledger pinned (or rotated to with a
 * rotation signed by the owner in force). Nothing that needs the owner (approvals, leaving safe
 * mode) can be trusted until this is resolved.
 */
export class PolicyOwnerError extends KarnelError {
  private readonly [ownerMarker] = true;
  /** `owner/mismatch`. */
  readonly code: Extract<PolicyDiagnosticCode, `owner/${string}`>;
  /** The owner the ledger trusts, when there is one. */
  readonly pinned?: string;
  /** The owner the manifest (or the rotation) claims. */
  readonly claimed: string;

  constructor({
    code,
    pinned,
    claimed,
    message,
  }: {
    code: Extract<PolicyDiagnosticCode, `owner/${string}`>;
    pinned?: string;
    claimed: string;
    message: string;
  }) {
    super({ name: 'PolicyOwnerError', message });
    this.code = code;
    if (pinned !== undefined) this.pinned = pinned;
    this.claimed = claimed;
  }

  /** Whether `error` is a {@link PolicyOwnerError} from any copy of this package. */
  static override isInstance(error: unknown): error is PolicyOwnerError {
    return KarnelError.hasMarker(error, 'karnel.error.PolicyOwnerError');
  }
}

const directoryMarker = Symbol.for('karnel.error.PolicyDirectoryError');

/**
 * A directory cannot be opened for policy: it is missing, its `manifest.yaml` is invalid or names
 * no ed25519 owner, or its `policy.yaml` is invalid. `diagnostics` point at file, line and column.
 */
export class PolicyDirectoryError extends KarnelError {
  private readonly [directoryMarker] = true;
  /** The directory. */
  readonly dir: string;
  /** `policy/not-a-directory`, `policy/manifest-invalid` or `policy/policy-file-invalid`. */
  readonly code: Extract<
    PolicyDiagnosticCode,
    'policy/not-a-directory' | 'policy/manifest-invalid' | 'policy/policy-file-invalid'
  >;
  /** Every problem found, each with file, line and column. */
  readonly diagnostics: readonly Diagnostic[];

  constructor({
    dir,
    code,
    diagnostics,
    message,
  }: {
    dir: string;
    code: PolicyDirectoryError['code'];
    diagnostics: readonly Diagnostic[];
    message: string;
  }) {
    super({ name: 'PolicyDirectoryError', message });
    this.dir = dir;
    this.code = code;
    this.diagnostics = diagnostics;
  }

  /** Whether `error` is a {@link PolicyDirectoryError} from any copy of this package. */
  static override isInstance(error: unknown): error is PolicyDirectoryError {
    return KarnelError.hasMarker(error, 'karnel.error.PolicyDirectoryError');
  }
}
