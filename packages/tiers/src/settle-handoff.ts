/**
 * Lets the budget middleware hand a call's settle (the treasury commit or release, a durable
 * write) to the ledger middleware wrapped around it, so that the settle and the call's ledger
 * entry go out together instead of one after the other. Only `openTierModel` wires one, and
 * only when both middlewares are on the model with the ledger outside: whatever the budget
 * middleware gives, the ledger middleware takes and awaits, so no settle and no settle error
 * is ever dropped.
 *
 * The key is the object the budget middleware returns for the call: the generate result, or
 * the stream it passes on.
 */
export class SettleHandoff {
  readonly #pending = new WeakMap<object, Promise<void>>();

  /** Hands over the settle of the call whose result is `key`. */
  give(key: object, settling: Promise<void>): void {
    // Observed here; the ledger middleware takes it and rethrows its failure.
    settling.catch(() => undefined);
    this.#pending.set(key, settling);
  }

  /** Takes the settle handed over for `key`, if any. */
  take(key: object): Promise<void> | undefined {
    const settling = this.#pending.get(key);
    this.#pending.delete(key);
    return settling;
  }
}

/**
 * Awaits a call's ledger entry and its settle together, failing with the ledger's error first
 * (the entry is the record of the call), then the settle's.
 */
export async function bothWritten(
  writing: Promise<void>,
  settling: Promise<void> | undefined,
): Promise<void> {
  if (!settling) return writing;
  const [written, settled] = await Promise.allSettled([writing, settling]);
  if (written.status === 'rejected') throw written.reason;
  if (settled.status === 'rejected') throw settled.reason;
}
