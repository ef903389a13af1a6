import { z } from 'zod';
import type { SkillsDiagnosticCode } from './skills-diagnostic-code';

/** The runtimes a skill can run in; each has a worker in `@karnel/workers`. */
export const SKILL_RUNTIMES = ['node', 'python', 'wasm', 'native'] as const;

/** One of {@link SKILL_RUNTIMES}. */
export type SkillRuntime = (typeof SKILL_RUNTIMES)[number];

/** Network access of a sandbox: off unless a skill asks for it and policy grants it. */
export const SANDBOX_NETWORK_MODES = ['disabled', 'enabled'] as const;

/** One of {@link SANDBOX_NETWORK_MODES}. */
export type SandboxNetworkMode = (typeof SANDBOX_NETWORK_MODES)[number];

/** A zod schema for {@link SkillRuntime} (typed by name so the API docs show a reference). */
export const skillRuntimeSchema: z.ZodEnum<Record<SkillRuntime, SkillRuntime>> =
  z.enum(SKILL_RUNTIMES);

/** A zod schema for {@link SandboxNetworkMode}. */
export const sandboxNetworkModeSchema: z.ZodEnum<Record<SandboxNetworkMode, SandboxNetworkMode>> =
  z.enum(SANDBOX_NETWORK_MODES);

/** Sandbox limits used when a manifest leaves them out. */
export const DEFAULT_SANDBOX = {
  /** No network: a skill must ask for it. */
  network: 'disabled',
  /** 256 MB of memory. */
  max_memory_mb: 256,
  /** 30 seconds of wall-clock time per invocation. */
  timeout_ms: 30_000,
} as const;

/**
 * The entry used when a manifest names none, by runtime. For `native` the default is the skill's
 * own name (the name of a registered native operation), so it is not listed here.
 */
export const DEFAULT_ENTRIES = {
  /** A WebAssembly module at the skill's root, as Karneleon packages them. */
  wasm: 'main.wasm',
  /** An ES module in `scripts/`, the Agent Skills folder for code. */
  node: 'scripts/main.mjs',
  /** A Python script in `scripts/`. */
  python: 'scripts/main.py',
} as const;

/** The upper bound of `sandbox.max_memory_mb`: 64 GiB, far above any skill's honest need. */
export const MAX_MEMORY_MB = 65_536;

/** The upper bound of `sandbox.timeout_ms`: 24 hours. */
export const MAX_TIMEOUT_MS = 86_400_000;

/**
 * The syntax of a capability string: a dotted lowercase name, optionally followed by `:` and a
 * scope (`fs.read:./data/**`, `net:api.github.com`, `shell.exec:git`). What the name and scope
 * mean is `@karnel/policy`'s business; this package checks only the shape.
 */
export const CAPABILITY_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(:.+)?$/;

/** A capability string (see {@link CAPABILITY_PATTERN}); diagnostic code `skill/invalid-capability`. */
export const capabilitySchema = z.string().superRefine((value, context) => {
  if (!CAPABILITY_PATTERN.test(value)) {
    context.addIssue({
      code: 'custom',
      message: `"${value}" is not a capability string; expected a dotted lowercase name with an optional ":scope", e.g. "fs.read:./data/**"`,
      params: { diagnosticCode: 'skill/invalid-capability' satisfies SkillsDiagnosticCode },
    });
  }
});

/** A lowercase hex SHA-256 digest (64 characters); diagnostic code `skill/invalid-sha256`. */
export const sha256DigestSchema = z.string().superRefine((value, context) => {
  if (!/^[0-9a-f]{64}$/.test(value)) {
    context.addIssue({
      code: 'custom',
      message: `"${value.length > 20 ? `${value.slice(0, 20)}…` : value}" is not a SHA-256 digest; expected 64 lowercase hex characters`,
      params: { diagnosticCode: 'skill/invalid-sha256' satisfies SkillsDiagnosticCode },
    });
  }
});

/** Paths (globs allowed) relative to the skill folder that the sandbox may read and write. */
export const sandboxFilesystemSchema = z.strictObject({
  /** Paths the skill may read. */
  read: z.array(z.string()).optional(),
  /** Paths the skill may write. */
  write: z.array(z.string()).optional(),
});

/** The `sandbox` section as written: every field optional, defaults from {@link DEFAULT_SANDBOX}. */
export const sandboxSchema = z.strictObject({
  /** `disabled` (default) or `enabled`. */
  network: sandboxNetworkModeSchema.optional(),
  /** Memory limit in megabytes; default 256. */
  max_memory_mb: z.number().int().positive().max(MAX_MEMORY_MB).optional(),
  /** Wall-clock limit per invocation in milliseconds; default 30 000. */
  timeout_ms: z.number().int().positive().max(MAX_TIMEOUT_MS).optional(),
  /** Filesystem scope inside the sandbox. */
  filesystem: sandboxFilesystemSchema.optional(),
});

/** The type of {@link sandboxSchema}: a sandbox section as written, before defaults. */
export type SandboxInput = z.infer<typeof sandboxSchema>;

/**
 * The `execution:` section of `karnel.yaml`: how a skill that runs code is run. `entry` may be
 * left out (see {@link DEFAULT_ENTRIES}); `sha256` is required for `wasm`, which the loader
 * checks against the file.
 */
export const executionSectionSchema = z.strictObject({
  /** `node`, `python`, `wasm` or `native`. */
  runtime: skillRuntimeSchema,
  /** The file to run, relative to the skill folder; for `native`, an operation name. */
  entry: z.string().min(1).optional(),
  /** SHA-256 of the entry file, lowercase hex. */
  sha256: sha256DigestSchema.optional(),
  /** Capabilities the skill needs; policy grants or denies each. */
  capabilities_required: z.array(capabilitySchema).optional(),
  /** Sandbox limits. */
  sandbox: sandboxSchema.optional(),
});

/** The type of {@link executionSectionSchema}: an execution section as written, before defaults. */
export type ExecutionSection = z.infer<typeof executionSectionSchema>;

/**
 * How a skill runs, resolved: defaults filled in, the entry checked to stay inside the skill
 * folder, the digest checked. `@karnel/workers` runs skills from this and nothing else.
 */
export interface SkillExecution {
  /** Which worker runs the skill. */
  readonly runtime: SkillRuntime;
  /**
   * For `node`, `python` and `wasm`: the entry file relative to the skill folder (a `.js`/`.mjs`/
   * `.cjs`, `.py` or `.wasm` file). For `native`: the name of a registered native operation.
   */
  readonly entry: string;
  /** The entry file's absolute path, checked to stay inside the skill folder; absent for `native`. */
  readonly entryAbsolute?: string;
  /** Lowercase hex SHA-256 of the entry file; always present for `wasm`, and verified when given. */
  readonly sha256?: string;
  /** Capability strings the skill needs (syntax checked here, meaning in `@karnel/policy`). */
  readonly capabilities_required: string[];
  /** The limits the worker must enforce. */
  readonly sandbox: SkillSandbox;
}

/** Resolved sandbox limits of a {@link SkillExecution}. */
export interface SkillSandbox {
  /** Whether the skill may use the network at all (policy may still narrow it). */
  readonly network: 'disabled' | 'enabled';
  /** Memory limit in megabytes. */
  readonly max_memory_mb: number;
  /** Wall-clock limit per invocation in milliseconds. */
  readonly timeout_ms: number;
  /** Paths relative to the skill folder that the skill may read or write. */
  readonly filesystem?: SkillSandboxFilesystem;
}

/** The filesystem scope of a {@link SkillSandbox}: paths (globs allowed) relative to the skill folder. */
export interface SkillSandboxFilesystem {
  /** Paths the skill may read. */
  read?: string[];
  /** Paths the skill may write. */
  write?: string[];
}
