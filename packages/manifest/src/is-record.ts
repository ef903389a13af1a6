/** Whether `value` is a plain mapping (what YAML produces for `key: value` blocks). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
