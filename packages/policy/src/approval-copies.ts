import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson, readTextFileBounded, writeFileAtomic } from '@karnel/core';
import { hashAction } from './approval-decision';
import { type ApprovalRequest, approvalRequestSchema } from './approval-request';
import { ApprovalTamperedError } from './errors';

/** The most a stored request may weigh; an action larger than this is refused unread. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

// The fields of the stored copy compared with the ledger's facts. `used` and `closed` are
// reported from the ledger and not compared: their times are informational.
const COMPARED_FIELDS = [
  'actor',
  'capability',
  'action_hash',
  'reason',
  'rule',
  'requested_by',
  'requested_at',
  'expires_at',
  'status',
  'decision',
] as const;

function sameJson(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalJson(a) === canonicalJson(b);
}

/** The readable copies of requests in `<dir>/approvals/`, each checked against the ledger. */
export interface ApprovalCopies {
  /**
   * Reads the copy of request `id` and checks it against `expected` (the ledger's account):
   * its action must hash to the recorded hash and its other fields must be the recorded ones.
   *
   * @throws {ApprovalTamperedError} naming the request and every field that disagrees.
   */
  read(id: string, expected: Omit<ApprovalRequest, 'action'>): Promise<ApprovalRequest>;
  /** Replaces the copy of a request atomically. */
  write(request: ApprovalRequest): Promise<void>;
  /** Whether a copy of request `id` exists. */
  exists(id: string): Promise<boolean>;
  /** The error for a copy of `id` that contradicts the ledger. */
  tampered(
    id: string,
    fields: string[],
    detail: string,
    code?: ApprovalTamperedError['code'],
  ): ApprovalTamperedError;
}

/**
 * Creates the {@link ApprovalCopies} of a directory. A copy is read only while its real
 * location is inside `dir`: one that a symbolic link leads elsewhere is refused as tampered
 * (`file/outside-root` in the message), never read.
 */
export function createApprovalCopies(dir: string): ApprovalCopies {
  const folder = join(dir, 'approvals');
  const fileOf = (id: string) => join(folder, `${id}.json`);
  const displayOf = (id: string) => `approvals/${id}.json`;
  const tampered = (
    id: string,
    fields: string[],
    detail: string,
    code: ApprovalTamperedError['code'] = 'approval/tampered',
  ) =>
    new ApprovalTamperedError({
      approvalId: id,
      fields,
      code,
      message: `approval ${id} was tampered with: ${detail}; the ledger and the approver's signature are authoritative, so it is refused`,
    });

  /** Reads the stored copy and checks it against the ledger's account. */
  const read = async (
    id: string,
    expected: Omit<ApprovalRequest, 'action'>,
  ): Promise<ApprovalRequest> => {
    // Bounded: a request file padded to gigabytes is refused by its size, never read whole.
    // Confined: a copy that a symbolic link leads out of the directory is not read.
    const text = await readTextFileBounded(fileOf(id), displayOf(id), MAX_REQUEST_BYTES, {
      root: dir,
    });
    if (typeof text !== 'string')
      throw tampered(
        id,
        ['file'],
        `${displayOf(id)}: ${text.message}, so the action whose hash was recorded cannot be shown`,
      );
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw tampered(id, ['file'], `${displayOf(id)} is not JSON`);
    }
    const parsed = approvalRequestSchema.safeParse(value);
    if (!parsed.success || parsed.data.id !== id)
      throw tampered(id, ['file'], `${displayOf(id)} is not an approval request for ${id}`);
    const copy = parsed.data;
    if (hashAction(copy.action) !== expected.action_hash) {
      throw tampered(
        id,
        ['action'],
        `the action in ${displayOf(id)} does not hash to the recorded action hash ${expected.action_hash}; what it shows is not what would be approved`,
        'approval/inconsistent-action',
      );
    }
    const fields = COMPARED_FIELDS.filter((field) => !sameJson(copy[field], expected[field]));
    if (fields.length > 0) {
      const described = fields.map(
        (field) =>
          `${field} is ${JSON.stringify(copy[field]) ?? 'absent'} but the ledger records ${JSON.stringify(expected[field]) ?? 'none'}`,
      );
      throw tampered(id, [...fields], `in ${displayOf(id)}, ${described.join('; ')}`);
    }
    return copy;
  };

  const write = async (request: ApprovalRequest) => {
    await writeFileAtomic(fileOf(request.id), `${JSON.stringify(request, null, 2)}\n`);
  };

  const exists = async (id: string) => {
    try {
      return (await stat(fileOf(id))).isFile();
    } catch {
      return false;
    }
  };
  return { read, write, exists, tampered };
}
