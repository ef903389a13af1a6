export { writeFileAtomic, syncFolder, type AtomicWriteOptions } from './atomic-write';
export { canonicalJson, type JsonValue } from './canonical-json';
export { createManualClock, systemClock, type Clock, type ManualClock } from './clock';
export { createDiagnostic, hasErrors, sortDiagnostics, type Diagnostic, type Severity } from './diagnostic';
export { appendFileDurable, openAppendLog, type AppendLog } from './durable-append';
export {
  createSigner,
  fromBase64Url,
  generateKeyPair,
  keyPairFromSecretKey,
  parsePublicKey,
  publicKeyToDid,
  toBase64Url,
  verifySignature,
  type KeyPair,
  type Signer,
} from './ed25519';
export { InvalidArgumentError, LockTimeoutError, UnsupportedVersionError, ValidationError } from './errors';
export { acquireFileLock, withFileLock, type FileLock, type FileLockOptions } from './file-lock';
export { formatDiagnostics, type DiagnosticFormat } from './format-diagnostics';
export { createSha256, fromHex, hashJson, sha256, sha256Hex, toHex, type Sha256Hasher } from './hash';
export {
  createId,
  explainInvalidId,
  ID_PREFIXES,
  isId,
  parseId,
  type Id,
  type IdPrefix,
  type ParsedId,
} from './ids';
export { parseJsonLines, type JsonLine, type JsonLinesResult } from './json-lines';
export { KarnelError } from './karnel-error';
export { readPrivateKeyFile, writePrivateKeyFile, type PrivateKeyFile } from './key-file';
export { isWithin, resolveInside, type ResolvedPath } from './safe-path';
export {
  COGNITIVE_TIERS,
  cognitiveTierSchema,
  idSchema,
  identitySchema,
  isIsoDate,
  isRfc3339,
  timestampSchema,
  type CognitiveTier,
} from './schemas';
export {
  DEFAULT_MAX_YAML_BYTES,
  emptyDocument,
  parseYaml,
  readTextFileBounded,
  readYamlFile,
  type DocumentPath,
  type ParseYamlOptions,
  type ReadYamlFileOptions,
  type SourceDocument,
  type SourcePosition,
} from './source-document';
export { closestMatch, editDistance } from './suggest';
export { formatPath, validateDocument, type DocumentValidation, type IssueParams } from './validate-document';
