import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWithin } from '@karnel/core';
import { bubblewrapArgs } from './bubblewrap';
import { SandboxUnavailableError } from './errors';
import type { HostProbe } from './host-probe';
import { runSandboxedProcess } from './process-runner';
import {
  DEFAULT_MAX_OUTPUT_BYTES,
  encodeInput,
  openRunSession,
  refuseAfterChecks,
} from './run-record';
import { findEscapingSymlinks, planSandbox, type SandboxPlan } from './sandbox-plan';
import { seccompSupported, spawnDenyingSeccompProgram } from './seccomp-filter';
import type {
  IsolationLayer,
  KilledBy,
  RunnableSkill,
  WorkerInput,
  WorkerProbe,
  WorkerResult,
  WorkerRunOptions,
} from './worker';

/**
 * Which layers a subprocess worker uses:
 * - `auto` (default): bubblewrap (namespaces plus a seccomp program that denies new processes),
 *   and a refusal (`SandboxUnavailableError`) on a machine where bubblewrap cannot run — a node
 *   or python skill never silently runs without a boundary;
 * - `bubblewrap`: the same, said explicitly;
 * - `process`: an explicit opt-in to run without bubblewrap, with the runtime's own guards,
 *   rlimits and the watchdog only. This is **not a security boundary** (a skill can read and
 *   write outside its scope through paths those guards do not see), and every result and ledger
 *   record of such a run says so ({@link WorkerResult.unprotected}). Python skills still get the
 *   kernel's no-process filter in this mode; Node skills only the permission model's refusal.
 */
export type IsolationMode = 'auto' | 'bubblewrap' | 'process';

/** The folders of a run, as the runtime-specific part sees them. */
export interface RunFolders {
  /** The run's private folder (bootstrap files, read-only inside the sandbox). */
  readonly runDir: string;
  /** The skill's working folder, writable, also its HOME and TMPDIR. */
  readonly workDir: string;
}

/** The command a runtime wants started, before bubblewrap and prlimit are wrapped around it. */
export interface RuntimeCommand {
  /** The interpreter. */
  readonly file: string;
  /** Its arguments (entry included). */
  readonly args: readonly string[];
  /** Files to write into the run folder first (bootstraps), by name. */
  readonly files?: Readonly<Record<string, string>>;
  /** The layers the runtime itself contributes. */
  readonly layers: readonly IsolationLayer[];
  /** prlimit arguments (`--as=…`, `--data=…`). */
  readonly rlimits: readonly string[];
  /** Resident-memory limit of the process tree for the watchdog, in bytes. */
  readonly watchdogBytes: number;
  /** Recognises, from standard error, a process that died of its memory limit. */
  readonly diedOfMemory: (stderr: string, exitCode: number | null) => boolean;
}

/** The warning every run with isolation `process` carries, in its result and its ledger records. */
export const PROCESS_ISOLATION_WARNING =
  'isolation "process" is not a security boundary: the skill ran without bubblewrap, and can reach files outside its scope through paths the interpreter guards do not see';

/** What a runtime tells the shared subprocess machinery. */
export interface SubprocessRuntime {
  /** `node` or `python`. */
  readonly runtime: 'node' | 'python';
  /** Read-only folders the interpreter needs inside bubblewrap (its installation). */
  readonly interpreterRoots: readonly string[];
  /** The smallest memory cap the interpreter can start in, in megabytes. */
  readonly minimumMemoryMb: number;
  /** Builds the command for a run. */
  command(context: {
    plan: SandboxPlan;
    folders: RunFolders;
    readPaths: readonly string[];
    writePaths: readonly string[];
    bubblewrap: boolean;
  }): RuntimeCommand;
}

function layerList(...groups: (readonly IsolationLayer[])[]): IsolationLayer[] {
  return [...new Set(groups.flat())];
}

/**
 * Runs a node or python skill: plans the sandbox, asks policy, refuses what this machine cannot
 * enforce, then starts the interpreter in bubblewrap (when used) under prlimit with a clean
 * environment, a scratch working folder, a kill timer and a memory watchdog, and records it all.
 */
export async function runSubprocessSkill(
  runtime: SubprocessRuntime,
  host: HostProbe,
  mode: IsolationMode,
  skill: RunnableSkill,
  input: WorkerInput,
  options: WorkerRunOptions,
): Promise<WorkerResult> {
  const plan = await planSandbox(skill, runtime.runtime, options);
  const useBubblewrap = mode !== 'process';
  const unmet: string[] = [];
  if (useBubblewrap && !host.bubblewrap) {
    unmet.push(
      `${host.bubblewrapProblem ?? 'bubblewrap is not available'}; without it a ${runtime.runtime} skill has no security boundary, so it runs only with isolation "process", an explicit opt-in`,
    );
  }
  if (!seccompSupported()) {
    unmet.push(
      `no seccomp program for ${process.platform}/${process.arch}, so starting processes cannot be denied by the kernel`,
    );
  }
  if (!host.prlimit && !host.procfs) {
    unmet.push('neither prlimit nor /proc is available, so no memory limit can be enforced');
  }
  if (plan.execution.sandbox.max_memory_mb < runtime.minimumMemoryMb) {
    unmet.push(
      `max_memory_mb ${plan.execution.sandbox.max_memory_mb} is below the ${runtime.minimumMemoryMb} MB the ${runtime.runtime} interpreter needs to start`,
    );
  }
  if (!plan.execution.entryAbsolute) unmet.push('the skill has no entry file');
  if (unmet.length > 0) throw new SandboxUnavailableError({ runtime: runtime.runtime, unmet });

  const baseLayers: IsolationLayer[] = [
    ...(useBubblewrap ? (['bubblewrap', 'seccomp-no-spawn'] as const) : []),
    'clean-env',
    'kill-timer',
    ...(host.prlimit ? (['rlimit'] as const) : []),
    ...(host.procfs ? (['rss-watchdog'] as const) : []),
  ];
  const unprotected = useBubblewrap ? undefined : PROCESS_ISOLATION_WARNING;
  const session = await openRunSession(plan, options, baseLayers, {
    ...(unprotected ? { unprotected } : {}),
  });
  if (session.refusal) return session.refusal;

  const readPaths = [
    plan.skillDir,
    ...plan.read.filter((scope) => scope.exists).map((scope) => scope.real),
  ];
  const writePaths: string[] = [];
  for (const scope of plan.write) {
    // A declared output folder that does not exist yet is created, so it can be mounted.
    if (!scope.exists) await mkdir(scope.path, { recursive: true });
    writePaths.push(scope.exists ? scope.real : await realpath(scope.path));
  }
  if (!useBubblewrap) {
    const scan = await findEscapingSymlinks(
      [...readPaths, ...writePaths],
      [...readPaths, ...writePaths],
    );
    if (scan.truncated || scan.escaping.length > 0) {
      return refuseAfterChecks(
        session,
        options,
        'sandbox',
        scan.truncated
          ? 'the filesystem scope is too large to check for symlinks, and without bubblewrap links could lead outside it'
          : `a symlink leads out of the filesystem scope, which only bubblewrap could contain: ${scan.escaping[0]}`,
        baseLayers,
      );
    }
  }

  const secretSource = options.secretSource ?? process.env;
  const secrets: Record<string, string> = {};
  for (const name of options.secrets ?? []) {
    const value = secretSource[name];
    if (value === undefined) {
      return refuseAfterChecks(
        session,
        options,
        'policy',
        `the secret ${name} is not set`,
        baseLayers,
      );
    }
    secrets[name] = value;
  }

  const runDir = await realpath(await mkdtemp(join(tmpdir(), 'karnel-run-')));
  const workDir = join(runDir, 'work');
  await mkdir(workDir);
  try {
    const command = runtime.command({
      plan,
      folders: { runDir, workDir },
      readPaths,
      writePaths,
      bubblewrap: useBubblewrap,
    });
    for (const [name, content] of Object.entries(command.files ?? {})) {
      await writeFile(join(runDir, name), content, { mode: 0o444 });
    }
    const env: Record<string, string> = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: workDir,
      TMPDIR: workDir,
      LANG: 'C.UTF-8',
      ...options.env,
      ...secrets,
    };
    const layers = layerList(baseLayers, command.layers);
    let file = command.file;
    let args = [...command.args];
    const extraInputs: Uint8Array[] = [];
    if (useBubblewrap) {
      // Descriptor 3 carries the program bubblewrap installs before it executes the interpreter.
      extraInputs.push(spawnDenyingSeccompProgram().bytes);
      // Never mount the host's root: an interpreter installed directly under / would otherwise
      // expose everything; /usr is mounted anyway.
      const interpreterRoots = runtime.interpreterRoots.filter(
        (root) => root !== '/' && !readPaths.some((path) => isWithin(path, root)),
      );
      args = [
        ...bubblewrapArgs({
          readOnly: [...interpreterRoots, runDir, ...readPaths],
          readWrite: [workDir, ...writePaths],
          network: plan.execution.sandbox.network === 'enabled',
          env,
          cwd: workDir,
          seccompFd: 3,
        }),
        file,
        ...args,
      ];
      file = host.bubblewrap!;
    }
    if (host.prlimit && command.rlimits.length > 0) {
      args = [...command.rlimits, '--core=0', '--', file, ...args];
      file = host.prlimit;
    }
    await session.started(layers);
    const outcome = await runSandboxedProcess({
      file,
      args,
      env,
      cwd: workDir,
      stdin: encodeInput(input),
      timeoutMs: plan.execution.sandbox.timeout_ms,
      ...(host.procfs ? { memoryLimitBytes: command.watchdogBytes } : {}),
      maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      ...(options.signal ? { signal: options.signal } : {}),
      extraInputs,
    });
    const stderr = outcome.stderr.toString('utf8');
    let killedBy: KilledBy | undefined = outcome.killedBy;
    if (!killedBy && outcome.exitCode !== 0 && command.diedOfMemory(stderr, outcome.exitCode))
      killedBy = 'memory';
    if (!killedBy && outcome.spawnError) killedBy = 'crash';
    // A bootstrap that could not install a kernel layer exits 126 before the skill's code runs.
    if (!killedBy && outcome.exitCode === 126 && /karnel sandbox: .*refusing to run/.test(stderr))
      killedBy = 'sandbox';
    const reasons: Record<KilledBy, string> = {
      timeout: `killed after ${plan.execution.sandbox.timeout_ms} ms, the sandbox's time limit`,
      memory: `stopped for going over the sandbox's ${plan.execution.sandbox.max_memory_mb} MB memory limit`,
      output: `killed for writing more than ${options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES} bytes of output`,
      signal: 'stopped by the caller',
      policy: 'refused by policy',
      sandbox: 'the sandbox could not be set up, so the skill did not run (see its error output)',
      crash: `the interpreter could not be started: ${outcome.spawnError?.message ?? 'unknown error'}`,
    };
    return await session.finish({
      output: outcome.stdout.toString('utf8'),
      stderr,
      exitCode: outcome.exitCode,
      durationMs: Math.round(outcome.durationMs),
      killedBy,
      ...(killedBy ? { reason: reasons[killedBy] } : {}),
      usage: { cpuMs: Math.round(outcome.cpuMs), peakMemoryBytes: outcome.peakMemoryBytes },
      isolation: layers,
    });
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

/**
 * What a subprocess worker reports from `probe()`: the same rules for node and python — with
 * isolation `auto` or `bubblewrap` the worker is available only where bubblewrap works; with
 * `process` it is available and says it is not a security boundary.
 */
export function probeSubprocessWorker({
  runtime,
  host,
  isolation,
  runtimeLayers,
  interpreter,
  problem,
}: {
  runtime: 'node' | 'python';
  host: HostProbe;
  isolation: IsolationMode;
  runtimeLayers: readonly IsolationLayer[];
  interpreter?: { path: string; version: string };
  problem?: string;
}): WorkerProbe {
  const useBubblewrap = isolation !== 'process';
  const layers = layerList(
    useBubblewrap ? ['bubblewrap', 'seccomp-no-spawn'] : [],
    runtimeLayers,
    ['clean-env', 'kill-timer'],
    host.prlimit ? ['rlimit'] : [],
    host.procfs ? ['rss-watchdog'] : [],
  );
  const notes = [
    ...(problem ? [problem] : []),
    ...(useBubblewrap && host.bubblewrapProblem
      ? [`${host.bubblewrapProblem}; runs are refused unless isolation is "process"`]
      : []),
    ...(useBubblewrap ? [] : [PROCESS_ISOLATION_WARNING]),
    ...(seccompSupported()
      ? []
      : [`no seccomp program for ${process.platform}/${process.arch}; runs are refused`]),
  ];
  return {
    runtime,
    available:
      problem === undefined &&
      seccompSupported() &&
      (!useBubblewrap || host.bubblewrap !== undefined),
    layers,
    bubblewrap: useBubblewrap && host.bubblewrap !== undefined,
    ...(interpreter ? { interpreter } : {}),
    notes,
  };
}
