/** A duration in a policy file: `90s`, `30m`, `24h`, `7d`. */
const durationPattern = /^(\d{1,6})\s*(s|m|h|d)$/;
const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `30m`, `24h`, `7d` into milliseconds; `undefined` when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = durationPattern.exec(text.trim());
  if (!match) return undefined;
  const milliseconds = Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
  return milliseconds > 0 ? milliseconds : undefined;
}
