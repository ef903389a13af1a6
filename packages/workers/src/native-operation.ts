import type { z } from 'zod';

/** What a native operation is given besides its input. */
export interface NativeOperationContext {
  /** Aborted when the run passes its time limit or the caller aborts; long work should check it. */
  readonly signal: AbortSignal;
  /** The folder relative paths resolve against. */
  readonly cwd: string;
}

/** The paths and capabilities a native operation needs for one input, declared before it runs. */
export interface NativeOperationNeeds {
  /** Absolute paths it reads. */
  readonly read?: readonly string[];
  /** Absolute paths it writes. */
  readonly write?: readonly string[];
  /** Other capabilities it uses (`shell.exec:git status`). */
  readonly capabilities?: readonly string[];
}

/**
 * A trusted operation that runs in this process. Trusted means it is code of this package or
 * of the embedder, reviewed like the rest; it still declares, per input, the paths and
 * capabilities it touches, and the native worker asks policy about each before running it.
 */
export interface NativeOperation<Input = unknown> {
  /** The name a skill's `execution.entry` refers to. */
  readonly name: string;
  /** What it does, one sentence. */
  readonly description: string;
  /** The schema of its input; the input is validated before anything else. */
  readonly input: z.ZodType<Input>;
  /** What it will touch for `input` (paths resolved against `cwd`). */
  needs(input: Input, cwd: string): NativeOperationNeeds;
  /** Does the work and returns a JSON-serialisable result. */
  run(input: Input, context: NativeOperationContext): Promise<unknown>;
}

/** Declares a native operation with its input type inferred from its schema. */
export function defineNativeOperation<Schema extends z.ZodType>(
  operation: NativeOperation<z.infer<Schema>> & { readonly input: Schema },
): NativeOperation<z.infer<Schema>> {
  return operation;
}
