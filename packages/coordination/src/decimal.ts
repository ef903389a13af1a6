import { InvalidArgumentError } from '@karnel/core';

/**
 * A non-negative exact decimal written as a string (`"12.30"`, `"0.042"`, `"5"`). Amounts of
 * money travel as strings so that no reader ever rounds them through a binary float.
 */
export const DECIMAL_PATTERN = /^(0|[1-9]\d{0,17})(\.\d{1,18})?$/;

/** Whether `value` is a decimal string in the form {@link DECIMAL_PATTERN} accepts. */
export function isDecimal(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL_PATTERN.test(value);
}

/**
 * Compares two decimal strings exactly: negative when `a < b`, zero when equal, positive when
 * `a > b`. `"1.50"` equals `"1.5"`.
 *
 * @throws InvalidArgumentError when either value is not a decimal string.
 */
export function compareDecimal(a: string, b: string): number {
  const [left, right] = [toScaled(a, 'a'), toScaled(b, 'b')];
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * Adds decimal strings exactly and returns the sum in the shortest form (`"1.5"` + `"0.50"` is
 * `"2"`).
 *
 * @throws InvalidArgumentError when a value is not a decimal string.
 */
export function addDecimal(...values: readonly string[]): string {
  let sum = 0n;
  for (const [index, value] of values.entries()) sum += toScaled(value, `values[${index}]`);
  return fromScaled(sum);
}

const SCALE = 18;
const FACTOR = 10n ** BigInt(SCALE);

function toScaled(value: string, argument: string): bigint {
  if (!isDecimal(value)) {
    throw new InvalidArgumentError({
      argument,
      value,
      message: `expected a non-negative decimal string such as "12.30", found ${JSON.stringify(value)}`,
    });
  }
  const [whole, fraction = ''] = value.split('.') as [string, string | undefined];
  return BigInt(whole) * FACTOR + BigInt(fraction.padEnd(SCALE, '0'));
}

function fromScaled(value: bigint): string {
  const whole = value / FACTOR;
  const fraction = (value % FACTOR).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}
