/**
 * Every diagnostic code `@karnel/ledger` reports, in verification reports, in
 * `LedgerIntegrityError.diagnostics` and in `Ledger.recovered`. Warnings: `ledger/torn-tail`,
 * `ledger/uncommitted-data`, `ledger/uncommitted-file`, `ledger/checkpoint-archived`; every
 * other code is an error.
 */
export type LedgerDiagnosticCode =
  | 'ledger/not-found'
  | 'ledger/not-a-directory'
  | 'ledger/unreadable'
  | 'ledger/hash-mismatch'
  | 'ledger/malformed-entry'
  | 'ledger/missing-entry'
  | 'ledger/duplicate-entry'
  | 'ledger/out-of-order'
  | 'ledger/broken-link'
  | 'ledger/file-missing'
  | 'ledger/file-mismatch'
  | 'ledger/file-conflict'
  | 'ledger/bad-signature'
  | 'ledger/untrusted-signer'
  | 'ledger/unsigned-entry'
  | 'ledger/unsigned-snapshot'
  | 'ledger/snapshot-mismatch'
  | 'ledger/truncated'
  | 'ledger/checkpoint-mismatch'
  | 'ledger/checkpoint-signature'
  | 'ledger/torn-tail'
  | 'ledger/uncommitted-data'
  | 'ledger/uncommitted-file'
  | 'ledger/checkpoint-archived';
