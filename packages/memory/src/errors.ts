import { KarnelError } from '@karnel/core';

const deniedMarker = Symbol.for('karnel.error.StrategicWriteDeniedError');

/**
 * A write to group strategic memory came from a role the group's rule does not allow (by
 * default only the strategist writes, after its strategic review). Reading is never refused.
 */
export class StrategicWriteDeniedError extends KarnelError {
  private readonly [deniedMarker] = true;
  /** The writer's role, or `undefined` when the store was opened without a writer. */
  readonly role: string | undefined;
  /** The roles the rule allows to write. */
  readonly allowedRoles: readonly string[];
  /** The memory directory whose strategic tier was protected. */
  readonly memoryDir: string;

  constructor({
    role,
    allowedRoles,
    memoryDir,
  }: { role: string | undefined; allowedRoles: readonly string[]; memoryDir: string }) {
    const rule =
      allowedRoles.length === 0
        ? 'no role may write it'
        : `only ${allowedRoles.map((allowed) => `"${allowed}"`).join(', ')} may write it`;
    super({
      name: 'StrategicWriteDeniedError',
      message:
        role === undefined
          ? `Refused to write group strategic memory in ${memoryDir}: the writer gave no role, and the rule is that ${rule}`
          : `Refused to write group strategic memory in ${memoryDir}: role "${role}" is not allowed; the rule is that ${rule}`,
    });
    this.role = role;
    this.allowedRoles = allowedRoles;
    this.memoryDir = memoryDir;
  }

  /** Whether `error` is a {@link StrategicWriteDeniedError} from any copy of this package. */
  static override isInstance(error: unknown): error is StrategicWriteDeniedError {
    return KarnelError.hasMarker(error, 'karnel.error.StrategicWriteDeniedError');
  }
}

const embedderMarker = Symbol.for('karnel.error.EmbedderRequiredError');

/** Vector or hybrid search was asked of a store that has no embedding model configured. */
export class EmbedderRequiredError extends KarnelError {
  private readonly [embedderMarker] = true;
  /** The search mode that was asked for. */
  readonly mode: string;

  constructor({ mode, backend }: { mode: string; backend: string }) {
    super({
      name: 'EmbedderRequiredError',
      message: `${mode} search needs an embedding model, and this ${backend} memory has none; pass \`embedder\` when creating it, or search in full-text mode`,
    });
    this.mode = mode;
  }

  /** Whether `error` is an {@link EmbedderRequiredError} from any copy of this package. */
  static override isInstance(error: unknown): error is EmbedderRequiredError {
    return KarnelError.hasMarker(error, 'karnel.error.EmbedderRequiredError');
  }
}

const embeddingFailedMarker = Symbol.for('karnel.error.EmbeddingFailedError');

/**
 * An embedding model failed (an unreachable server, a model that is not pulled, a malformed
 * answer). Nothing was written: stores embed before they write.
 */
export class EmbeddingFailedError extends KarnelError {
  private readonly [embeddingFailedMarker] = true;
  /** The embedding model, as `provider:modelId`. */
  readonly embedder: string;

  constructor({ embedder, cause }: { embedder: string; cause: unknown }) {
    super({
      name: 'EmbeddingFailedError',
      message: `the embedding model ${embedder} failed: ${describeCause(cause)}`,
      cause,
    });
    this.embedder = embedder;
  }

  /** Whether `error` is an {@link EmbeddingFailedError} from any copy of this package. */
  static override isInstance(error: unknown): error is EmbeddingFailedError {
    return KarnelError.hasMarker(error, 'karnel.error.EmbeddingFailedError');
  }
}

const peerMarker = Symbol.for('karnel.error.MissingPeerDependencyError');

/**
 * A feature needs an optional peer dependency that is not installed (LanceDB, the Ollama
 * client). The message says what to install.
 */
export class MissingPeerDependencyError extends KarnelError {
  private readonly [peerMarker] = true;
  /** The packages to install. */
  readonly packages: readonly string[];
  /** The feature that needs them. */
  readonly feature: string;

  constructor({
    packages,
    feature,
    cause,
  }: {
    packages: readonly string[];
    feature: string;
    cause?: unknown;
  }) {
    super({
      name: 'MissingPeerDependencyError',
      message: `install ${packages.join(' and ')} to use ${feature} (npm install ${packages.join(' ')})`,
      cause,
    });
    this.packages = packages;
    this.feature = feature;
  }

  /** Whether `error` is a {@link MissingPeerDependencyError} from any copy of this package. */
  static override isInstance(error: unknown): error is MissingPeerDependencyError {
    return KarnelError.hasMarker(error, 'karnel.error.MissingPeerDependencyError');
  }
}

const sqliteMarker = Symbol.for('karnel.error.SqliteUnavailableError');

/**
 * The SQLite backend was used on a Node.js without a usable `node:sqlite`: before 22.13 it is
 * missing (or, behind `--experimental-sqlite`, built without FTS5), or it was disabled.
 */
export class SqliteUnavailableError extends KarnelError {
  private readonly [sqliteMarker] = true;
  /** The running Node.js version. */
  readonly nodeVersion: string;

  constructor({
    nodeVersion,
    reason = `node:sqlite is not available in Node ${nodeVersion}`,
    cause,
  }: {
    nodeVersion: string;
    reason?: string;
    cause?: unknown;
  }) {
    super({
      name: 'SqliteUnavailableError',
      message: `the SQLite backend needs Node 22.13 or newer (${reason}); upgrade Node, or use the files backend`,
      cause,
    });
    this.nodeVersion = nodeVersion;
  }

  /** Whether `error` is a {@link SqliteUnavailableError} from any copy of this package. */
  static override isInstance(error: unknown): error is SqliteUnavailableError {
    return KarnelError.hasMarker(error, 'karnel.error.SqliteUnavailableError');
  }
}

const layoutMarker = Symbol.for('karnel.error.MemoryLayoutConflictError');

/**
 * A memory folder holds the files backend's records (`episodic.jsonl`, `semantic/items.jsonl`)
 * and was opened with a backend that keeps its records elsewhere, which would not see them.
 * Rather than show a memory with a silent hole, the store refuses; copy the memory into the
 * other backend with `copyMemory` (or `karnel memory export` and `import`) in another folder.
 */
export class MemoryLayoutConflictError extends KarnelError {
  private readonly [layoutMarker] = true;
  /** The backend that was asked for. */
  readonly backend: string;
  /** The files it would have ignored. */
  readonly files: readonly string[];

  constructor({ backend, files }: { backend: string; files: readonly string[] }) {
    super({
      name: 'MemoryLayoutConflictError',
      message: `refused to open ${files.join(' and ')} with the ${backend} backend: they were written by the files backend, and the ${backend} backend keeps its records elsewhere and would not see them. Open this memory with the files backend, or copy it into a ${backend} memory in another folder (copyMemory, or karnel memory export / import)`,
    });
    this.backend = backend;
    this.files = files;
  }

  /** Whether `error` is a {@link MemoryLayoutConflictError} from any copy of this package. */
  static override isInstance(error: unknown): error is MemoryLayoutConflictError {
    return KarnelError.hasMarker(error, 'karnel.error.MemoryLayoutConflictError');
  }
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
  return `${cause.message}${inner}`;
}
