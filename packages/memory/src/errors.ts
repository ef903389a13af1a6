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
