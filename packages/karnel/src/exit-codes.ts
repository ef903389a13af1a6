/**
 * Exit codes of the `karnel` command. Scripts and CI depend on them; they only ever gain new
 * values.
 */
export const ExitCode = {
  /** Everything checked is valid / the command did what it was asked. */
  ok: 0,
  /** The command ran and found a problem (an invalid file, a broken ledger, a denied request). */
  failure: 1,
  /** The command line itself was wrong: unknown command or option, missing argument. */
  usage: 2,
  /** Karnel itself failed unexpectedly; the message asks for a bug report. */
  internal: 70,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
