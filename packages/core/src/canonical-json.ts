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
  return serialize(value, '$');
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
