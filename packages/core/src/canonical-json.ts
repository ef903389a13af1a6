import { InvalidArgumentError } from './errors';

/** A value that canonical JSON can represent. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * Serialises `value` as canonical JSON per RFC 8785 (JSON Canonicalization Scheme): object keys
 * sorted by UTF-16 code units, no whitespace, numbers in their shortest round-trip form, strings
 * with the minimal JSON escapes. Two equal values always produce the same bytes, which is what
 * makes content hashes stable across runtimes and languages.
 *
 * Written here rather than taken from a package because it is thirty lines, it must reject what
 * RFC 8785 cannot represent (non-finite numbers, lone surrogates, `undefined` inside arrays)
 * with a clear error, and it sits on the ledger's hot path.
 *
 * Object members whose value is `undefined` are omitted, as `JSON.stringify` does.
 *
 * @throws {InvalidArgumentError} for values JSON cannot represent.
 */
export function canonicalJson(value: unknown): string {
  try {
    return write(value);
  } catch (error) {
    if (error !== NOT_CANONICAL) throw error;
  }
  // Something cannot be represented: walk again, keeping the path, for a precise error.
  return serialize(value, '$');
}

/** Thrown by {@link write} for a value it cannot represent; never escapes `canonicalJson`. */
const NOT_CANONICAL = Symbol('not canonical');

/** `String.prototype.isWellFormed` (ES2024, in every Node.js this package supports). */
const isWellFormed = (text: string): boolean =>
  (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * The hot path: the same bytes as {@link serialize}, without building a path for every member
 * (most values are fine, and the path is only needed for the error of one that is not).
 */
function write(value: unknown): string {
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value)) throw NOT_CANONICAL;
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw NOT_CANONICAL;
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let index = 0; index < value.length; index++) {
          const item: unknown = value[index];
          if (item === undefined || typeof item === 'function' || typeof item === 'symbol')
            throw NOT_CANONICAL;
          out += index === 0 ? write(item) : `,${write(item)}`;
        }
        return `${out}]`;
      }
      const maybeJson = value as { toJSON?: () => unknown };
      if (typeof maybeJson.toJSON === 'function') return write(maybeJson.toJSON());
      const record = value as Record<string, unknown>;
      // The default sort compares UTF-16 code units, as RFC 8785 requires.
      const keys = Object.keys(record).sort();
      let out = '{';
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${write(member)}`;
      }
      return `${out}}`;
    }
    default:
      throw NOT_CANONICAL;
  }
}

function serialize(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) {
        throw new InvalidArgumentError({
          argument: path,
          value,
          message: 'non-finite numbers have no JSON form',
        });
      }
      // ECMAScript's Number.prototype.toString is exactly the RFC 8785 number form.
      return JSON.stringify(value);
    case 'string':
      if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) {
        throw new InvalidArgumentError({
          argument: path,
          value,
          message: 'lone surrogates cannot be canonicalised',
        });
      }
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value
          .map((item, index) => {
            if (item === undefined || typeof item === 'function' || typeof item === 'symbol') {
              throw new InvalidArgumentError({
                argument: `${path}[${index}]`,
                value: item,
                message: 'not a JSON value',
              });
            }
            return serialize(item, `${path}[${index}]`);
          })
          .join(',')}]`;
      }
      const maybeJson = value as { toJSON?: () => unknown };
      if (typeof maybeJson.toJSON === 'function') return serialize(maybeJson.toJSON(), path);
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort(); // default sort compares UTF-16 code units, as RFC 8785 requires
      return `{${keys.map((key) => `${JSON.stringify(key)}:${serialize(record[key], `${path}.${key}`)}`).join(',')}}`;
    }
    case 'bigint':
      throw new InvalidArgumentError({
        argument: path,
        value,
        message: 'bigint has no JSON form; use a string',
      });
    default:
      throw new InvalidArgumentError({
        argument: path,
        value,
        message: `${typeof value} is not a JSON value`,
      });
  }
}
