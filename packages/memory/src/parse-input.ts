import { InvalidArgumentError } from '@karnel/core';
import type { z } from 'zod';

/**
 * Checks a value a caller passed in code against `schema` and returns the parsed value, or
 * throws {@link InvalidArgumentError} naming the first problem. Callers' mistakes in code are
 * programming errors, so they throw; mistakes in a user's files become diagnostics elsewhere.
 */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  argument: string,
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? `${argument}.${issue.path.join('.')}` : argument;
  throw new InvalidArgumentError({ argument: where, value, message: issue.message });
}
