const marker = 'karnel.error';
const symbol = Symbol.for(marker);

/**
 * Base class of every error Karnel packages throw.
 *
 * Errors are for programming mistakes and failures of the environment (a lock that cannot be
 * taken, a disk that refuses a write). Mistakes in a user's files are never thrown: they are
 * returned as {@link Diagnostic}s.
 *
 * Use {@link KarnelError.isInstance} rather than `instanceof`: it keeps working when two copies
 * of `@karnel/core` are installed side by side.
 */
export class KarnelError extends Error {
  private readonly [symbol] = true;

  /** The underlying error, when this one wraps another. */
  override readonly cause?: unknown;

  /**
   * @param options - `name`: the error's name (subclasses pass their own); `message`: a sentence
   *   a user can act on; `cause`: the error that led to this one, if any.
   */
  constructor(options: { name: string; message: string; cause?: unknown }) {
    super(options.message);
    this.name = options.name;
    this.cause = options.cause;
  }

  /** Whether `error` is a Karnel error, from any installed copy of this package. */
  static isInstance(error: unknown): error is KarnelError {
    return KarnelError.hasMarker(error, marker);
  }

  /** @internal Checks the cross-copy marker symbol named `markerName`. */
  protected static hasMarker(error: unknown, markerName: string): boolean {
    const markerSymbol = Symbol.for(markerName);
    return (
      error != null &&
      typeof error === 'object' &&
      markerSymbol in error &&
      typeof (error as Record<symbol, unknown>)[markerSymbol] === 'boolean' &&
      (error as Record<symbol, unknown>)[markerSymbol] === true
    );
  }
}
