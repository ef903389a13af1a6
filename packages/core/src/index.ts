export { type AtomicWriteOptions, syncFolder, writeFileAtomic } from './atomic-write';
export { canonicalJson, type JsonValue } from './canonical-json';
export { type Clock, createManualClock, type ManualClock, systemClock } from './clock';
export {
  createDiagnostic,
  type Diagnostic,
  hasErrors,
  type Severity,
  sortDiagnostics,
} from './diagnostic';
export {
  type AppendLog,
  type AppendOptions,
  appendFileDurable,
  openAppendLog,
} from './durable-append';
export {
  createSigner,
  fromBase64Url,
  generateKeyPair,
  type KeyPair,
  keyPairFromSecretKey,
  parsePublicKey,
  publicKeyToDid,
  type Signer,
  toBase64Url,
  verifySignature,
} from './ed25519';
export {
  InvalidArgumentError,
  LockTimeoutError,
  UnsupportedVersionError,
  ValidationError,
} from './errors';
export { acquireFileLock, type FileLock, type FileLockOptions, withFileLock } from './file-lock';
export { type DiagnosticFormat, formatDiagnostics } from './format-diagnostics';
export {
  createSha256,
  fromHex,
  hashJson,
  type Sha256Hasher,
  sha256,
  sha256Hex,
  toHex,
} from './hash';
export {
  createId,
  explainInvalidId,
  ID_PREFIXES,
  type Id,
  type IdPrefix,
  isId,
  type ParsedId,
  parseId,
} from './ids';
export { type JsonLine, type JsonLinesResult, parseJsonLines } from './json-lines';
export { KarnelError } from './karnel-error';
export { type PrivateKeyFile, readPrivateKeyFile, writePrivateKeyFile } from './key-file';
export type {
  AuditLog,
  CommittedEntry,
  LedgerAppendOptions,
  LedgerPort,
  LedgerReader,
  LedgerRecord,
  RecordValidation,
  RecordValidator,
} from './ledger-port';
export {
  amountPattern,
  formatDecimal,
  formatMoney,
  MAX_WHOLE_DIGITS,
  MAX_WRITTEN_DECIMALS,
  type MoneyResult,
  parseDecimal,
  parseMoney,
} from './money';
export {
  COST_DECIMALS,
  type CostCarry,
  type CostCharge,
  chargeCost,
  chargeCosts,
  EMPTY_COST_CARRY,
  formatCost,
  parseCost,
} from './money-cost';
export {
  CURRENCY_CODE_PATTERN,
  type Currency,
  ISO_CURRENCY_CODES,
  isCurrencyCode,
  isoMinorUnit,
  MAX_CURRENCY_DECIMALS,
  resolveCurrency,
} from './money-currency';
export { type PathKind, pathKind } from './path-kind';
export {
  type OpenInsideOptions,
  OutsideRootError,
  openInside,
  openInsideSync,
  readFileInside,
} from './read-inside';
export {
  isWithin,
  type ResolvedInside,
  type ResolvedOutside,
  type ResolvedPath,
  resolveInside,
} from './safe-path';
export {
  COGNITIVE_TIERS,
  type CognitiveTier,
  cognitiveTierSchema,
  identitySchema,
  idSchema,
  isIsoDate,
  isRfc3339,
  timestampSchema,
} from './schemas';
export {
  DEFAULT_MAX_YAML_BYTES,
  type DocumentPath,
  emptyDocument,
  type ParseYamlOptions,
  parseYaml,
  type ReadTextFileOptions,
  type ReadYamlFileOptions,
  readTextFileBounded,
  readYamlFile,
  type SourceDocument,
  type SourcePosition,
} from './source-document';
export { closestMatch, editDistance } from './suggest';
export { type EscapeTerminalTextOptions, escapeTerminalText } from './terminal-text';
export {
  type DocumentValidation,
  formatPath,
  type IssueParams,
  validateDocument,
} from './validate-document';
