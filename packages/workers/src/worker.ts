import type { AuditLog, Signer } from '@karnel/core';
import type { SkillExecution, SkillRuntime } from '@karnel/skills';
import type { CapabilityCheck, PolicyDecider } from './policy-gate';

/**
 * What a worker needs of a skill. `@karnel/skills`' `Skill` (from `loadSkill`) satisfies it;
 * embedders that build skills in code can pass the three fields alone.
 */
export interface RunnableSkill {
  /** The skill's name, used in ledger records and the default actor. */
  readonly name: string;
  /** The skill folder, absolute. Its files are readable (never writable) inside the sandbox. */
  readonly dir: string;
  /** How the skill runs; a skill without it cannot be run by any worker. */
  readonly execution?: SkillExecution;
}

/**
 * The input of one run. Strings and bytes are passed through as they are (on standard input for
 * subprocesses, as the Extism input for WebAssembly); anything else is sent as JSON.
 */
export type WorkerInput = string | Uint8Array | null | boolean | number | object;

/**
 * Why a run was stopped or refused, when it was:
 * - `timeout`: it ran past `sandbox.timeout_ms` and was killed;
 * - `memory`: it went over `sandbox.max_memory_mb` and was killed or refused memory;
 * - `policy`: a capability it needs was denied (or needs an approval first), so it never started,
 *   or it called something the sandbox does not grant (a WebAssembly import, a native path);
 * - `sandbox`: the sandbox could not be set up for this run (a symlink leading out of a scope
 *   on a machine without bubblewrap, an entry whose digest changed);
 * - `output`: it wrote more than `maxOutputBytes` and was killed;
 * - `signal`: a signal from outside (or the caller's `AbortSignal`) ended it;
 * - `crash`: the runtime itself failed (a WebAssembly trap, an exception in a native operation).
 */
export type KilledBy = 'timeout' | 'memory' | 'policy' | 'sandbox' | 'output' | 'signal' | 'crash';

/** The protection layers a run had, as named in `spec/workers.md`. */
export type IsolationLayer =
  | 'bubblewrap'
  | 'seccomp-no-spawn'
  | 'seccomp-no-exec'
  | 'node-permission'
  | 'node-signal-guard'
  | 'node-net-guard'
  | 'python-audit-hook'
  | 'python-isolated-mode'
  | 'rlimit'
  | 'rss-watchdog'
  | 'kill-timer'
  | 'clean-env'
  | 'wasm-memory-cap'
  | 'wasm-thread'
  | 'extism-host'
  | 'native-path-check';

/** What a run consumed: the figures a treasury or a scheduler charges for. */
export interface RunCost {
  /** Wall-clock time from start to exit, in milliseconds. */
  readonly wallMs: number;
  /** CPU time (user + system) of the skill's processes as last sampled; 0 when not measured. */
  readonly cpuMs: number;
  /** Highest resident memory seen, in bytes; 0 when not measured. */
  readonly peakMemoryBytes: number;
  /** Bytes written to the output. */
  readonly outputBytes: number;
}

/** The outcome of one run. */
export interface WorkerResult {
  /** `true` when the skill ran to completion, exited 0 and was neither killed nor refused. */
  readonly ok: boolean;
  /** The run's id (`run_…`), also used in ledger records. */
  readonly runId: string;
  /** What the skill wrote to standard output (or its Extism output / native result as JSON). */
  readonly output: string;
  /** What the skill wrote to standard error, and the worker's own notes on a refusal. */
  readonly stderr: string;
  /** The exit code; `null` when the process was killed by a signal or never started. */
  readonly exitCode: number | null;
  /** Wall-clock duration in milliseconds. */
  readonly durationMs: number;
  /** Why the run was stopped or refused, when it was. */
  readonly killedBy?: KilledBy;
  /** One sentence explaining {@link WorkerResult.killedBy}. */
  readonly reason?: string;
  /** Every capability check made before the run, in order. */
  readonly checks: readonly CapabilityCheck[];
  /** What the run consumed. */
  readonly cost: RunCost;
  /** The protection layers that were in force. */
  readonly isolation: readonly IsolationLayer[];
  /**
   * Present when the run had no security boundary (a node or python skill run with isolation
   * `process`, an explicit opt-in): the warning to show the user. The same text is in the run's
   * ledger records.
   */
  readonly unprotected?: string;
}

/** Options of one run. */
export interface WorkerRunOptions {
  /**
   * Who is running the skill, as policy rules name actors (an agent id, a role, a did:key).
   * Default `skill:<name>`.
   */
  readonly actor?: string;
  /**
   * The policy asked before anything privileged. Without one, every privileged request (a
   * declared capability, a filesystem scope, the network, a secret) is denied: deny by default.
   */
  readonly policy?: PolicyDecider;
  /**
   * Where capability checks and the result are recorded (`@karnel/ledger`'s `Ledger`, or any
   * `AuditLog`); nothing is written when absent.
   */
  readonly ledger?: AuditLog;
  /** The worker's identity, which signs the ledger records of this run. */
  readonly signer?: Signer;
  /**
   * Extra absolute paths this run may read or write, on top of the skill's declared
   * `sandbox.filesystem` (for example the file a user asked to be hashed). Each is checked
   * against policy as `fs.read:<path>` / `fs.write:<path>`.
   */
  readonly filesystem?: {
    /** Paths the skill may read (globs grant their static base). */
    readonly read?: readonly string[];
    /** Paths the skill may read and write. */
    readonly write?: readonly string[];
  };
  /** Plain environment variables for the skill (not secrets; nothing else is inherited). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Names of secrets to hand to the skill as environment variables; each needs
   * `secrets.read:<NAME>` from policy. Values come from {@link WorkerRunOptions.secretSource}.
   */
  readonly secrets?: readonly string[];
  /** Where secret values are looked up. Default `process.env`. */
  readonly secretSource?: Readonly<Record<string, string | undefined>>;
  /** The folder relative paths in native operations' inputs resolve against. Default `process.cwd()`. */
  readonly cwd?: string;
  /** Largest output kept; a skill that writes more is killed. Default 1 MiB. */
  readonly maxOutputBytes?: number;
  /** Aborts the run (the skill is killed, `killedBy: 'signal'`). */
  readonly signal?: AbortSignal;
}

/** What a worker can enforce on this machine, as found by its probe. */
export interface WorkerProbe {
  /** The runtime. */
  readonly runtime: SkillRuntime;
  /** Whether the worker can run skills at all here (its interpreter exists, and so on). */
  readonly available: boolean;
  /** The layers this worker would use for a skill with network disabled. */
  readonly layers: readonly IsolationLayer[];
  /** Whether bubblewrap works here (namespaces allowed, binary present). */
  readonly bubblewrap: boolean;
  /** The interpreter used, when the runtime has one. */
  readonly interpreter?: {
    /** The interpreter's real path. */
    readonly path: string;
    /** Its version. */
    readonly version: string;
  };
  /** Why something is missing, one sentence each. */
  readonly notes: readonly string[];
}

/**
 * A skill execution runtime. Each implementation enforces the skill's declared sandbox, asks
 * policy before anything privileged, and refuses (throws `SandboxUnavailableError`) when this
 * machine cannot enforce a declared limit.
 */
export interface Worker {
  /** The interface version. */
  readonly specificationVersion: 'v1';
  /** The runtime this worker runs. */
  readonly runtime: SkillRuntime;
  /** Finds out what this machine can enforce; cached after the first call. */
  probe(): Promise<WorkerProbe>;
  /**
   * Runs `skill` with `input`. Never throws for what the skill does (a crash, a kill, a denial
   * are results); throws for programming errors and for a sandbox this machine cannot honour.
   */
  run(skill: RunnableSkill, input: WorkerInput, options?: WorkerRunOptions): Promise<WorkerResult>;
}
