import { KarnelError } from '@karnel/core';

const sandboxMarker = Symbol.for('karnel.error.SandboxUnavailableError');

/**
 * This machine cannot honour the sandbox a skill declares (no isolation layer can enforce one of
 * its limits), so the worker refuses to run it rather than run it with less protection than the
 * skill's author and the operator were promised.
 */
export class SandboxUnavailableError extends KarnelError {
  private readonly [sandboxMarker] = true;
  /** The runtime whose worker refused. */
  readonly runtime: string;
  /** The limits that could not be enforced, one sentence each. */
  readonly unmet: readonly string[];

  constructor({ runtime, unmet }: { runtime: string; unmet: readonly string[] }) {
    super({
      name: 'SandboxUnavailableError',
      message: `the ${runtime} worker cannot honour this sandbox on this machine: ${unmet.join('; ')}`,
    });
    this.runtime = runtime;
    this.unmet = unmet;
  }

  /** Whether `error` is a {@link SandboxUnavailableError} from any copy of this package. */
  static override isInstance(error: unknown): error is SandboxUnavailableError {
    return KarnelError.hasMarker(error, 'karnel.error.SandboxUnavailableError');
  }
}

const runtimeMarker = Symbol.for('karnel.error.WrongRuntimeError');

/** A skill was handed to a worker of another runtime, or has no `execution` section at all. */
export class WrongRuntimeError extends KarnelError {
  private readonly [runtimeMarker] = true;
  /** The runtime the worker runs. */
  readonly expected: string;
  /** The runtime the skill declares, if any. */
  readonly actual: string | undefined;

  constructor({
    skill,
    expected,
    actual,
  }: { skill: string; expected: string; actual: string | undefined }) {
    super({
      name: 'WrongRuntimeError',
      message:
        actual === undefined
          ? `skill "${skill}" declares no execution section, so no worker can run it`
          : `skill "${skill}" runs in the ${actual} runtime, not ${expected}`,
    });
    this.expected = expected;
    this.actual = actual;
  }

  /** Whether `error` is a {@link WrongRuntimeError} from any copy of this package. */
  static override isInstance(error: unknown): error is WrongRuntimeError {
    return KarnelError.hasMarker(error, 'karnel.error.WrongRuntimeError');
  }
}
