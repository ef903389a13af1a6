import type { Signer } from './ed25519';

/**
 * One record to append to a ledger: a dotted lowercase type (`approval.approved`,
 * `spend.recorded` …) and a JSON body.
 */
export interface LedgerRecord {
  /** The record type, dotted lowercase. */
  readonly type: string;
  /** The record's content: JSON values only. */
  readonly body: Record<string, unknown>;
}

/** Options of {@link AuditLog.append}. */
export interface LedgerAppendOptions {
  /** Signs the entry; the signer's identity is committed inside the hashed bytes. */
  readonly signer?: Signer;
}

/**
 * One committed entry as a reader sees it: its place in the chain, its record and who signed
 * it. Only entries whose hash chain has been checked are handed out.
 */
export interface CommittedEntry extends LedgerRecord {
  /** Position in the chain, from 0. */
  readonly seq: number;
  /** When the entry was written (RFC 3339). */
  readonly time: string;
  /** The entry's hash, lowercase hex. */
  readonly hash: string;
  /** The identity (`did:key:…`) that signed the entry, when it was signed. */
  readonly signer?: string;
}

/**
 * What a package needs to write to a ledger: a durable, append-only, optionally signed record.
 * `@karnel/ledger`'s `openLedger(dir)` satisfies it; any audit sink with this method can be
 * passed instead, so a package that only writes records does not depend on the ledger package.
 */
export interface AuditLog {
  /** Appends `record`, signed by `options.signer` when given; resolves once it is durable. */
  append(record: LedgerRecord, options?: LedgerAppendOptions): Promise<unknown>;
}

/**
 * What a package needs to read a ledger back: the committed entries in chain order. Security
 * decisions (single use of an approval, revocation, the freshest safe-mode state) are taken
 * from these entries, never from a file the runtime could edit.
 */
export interface LedgerReader {
  /** Every committed entry, oldest first. Throws when the chain does not verify. */
  entries(): AsyncIterable<CommittedEntry>;
}

/**
 * The one ledger port of Karnel packages: append and read committed entries. `@karnel/ledger`'s
 * `Ledger` satisfies it.
 */
export interface LedgerPort extends AuditLog, LedgerReader {}

/** What {@link RecordValidator.validate} says of one record. */
export type RecordValidation =
  | {
      /** The record may be appended. */
      readonly ok: true;
    }
  | {
      /** The record is refused. */
      readonly ok: false;
      /** Why, one sentence naming the field. */
      readonly message: string;
    };

/**
 * Checks the records of the types a package owns before they are appended (the treasury's
 * `spend.recorded`, policy's `approval.*` …). The ledger is append-only, so a record its owning
 * package would refuse must be refused at the door: once appended it can never be removed.
 * A ledger opened with validators refuses an append of an owned type that fails its check.
 */
export interface RecordValidator {
  /** The record types this validator owns, exactly (`spend.recorded`). */
  readonly types: readonly string[];
  /** Checks one record of an owned type. */
  validate(record: LedgerRecord): RecordValidation;
}
