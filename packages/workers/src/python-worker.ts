import { realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SYSTEM_READ_PATHS } from './bubblewrap';
import { SandboxUnavailableError } from './errors';
import { findExecutable, probeHost, runCommand } from './host-probe';
import { PYTHON_BOOTSTRAP_SOURCE } from './python-bootstrap';
import { spawnDenyingSeccompProgram } from './seccomp-filter';
import {
  type IsolationMode,
  probeSubprocessWorker,
  runSubprocessSkill,
  type SubprocessRuntime,
} from './subprocess-run';
import type {
  RunnableSkill,
  Worker,
  WorkerInput,
  WorkerProbe,
  WorkerResult,
  WorkerRunOptions,
} from './worker';

/** Options of {@link createPythonWorker}. */
export interface PythonWorkerOptions {
  /**
   * The Python 3 interpreter (3.8 or later, for audit hooks). Default: `python3` on `PATH`,
   * resolved to the real binary once (version-manager shims need environment variables the
   * clean sandbox environment does not have).
   */
  readonly pythonPath?: string;
  /** Which isolation layers to use. Default `auto`. */
  readonly isolation?: IsolationMode;
}

/** A resolved Python installation. */
interface PythonInstallation {
  readonly executable: string;
  readonly roots: readonly string[];
  readonly version: string;
}

async function locatePython(
  pythonPath: string | undefined,
): Promise<PythonInstallation | { problem: string }> {
  const command = pythonPath ?? (await findExecutable('python3'));
  if (!command) return { problem: 'python3 is not installed' };
  const script =
    'import json, sys; print(json.dumps([sys.executable, sys.prefix, sys.base_prefix, sys.exec_prefix, sys.version.split()[0], list(sys.version_info[:2])]))';
  const result = await runCommand(command, ['-I', '-S', '-c', script], { env: process.env });
  if (result.code !== 0) return { problem: `${command} did not start: ${result.stderr.trim()}` };
  const [executable, prefix, basePrefix, execPrefix, version, [major, minor]] = JSON.parse(
    result.stdout,
  ) as [string, string, string, string, string, [number, number]];
  if (major !== 3 || minor < 8)
    return { problem: `Python ${version} has no audit hooks; 3.8 or later is needed` };
  const real = await realpath(executable);
  const roots = new Set<string>();
  for (const folder of [prefix, basePrefix, execPrefix, dirname(dirname(real))])
    roots.add(await realpath(folder));
  return { executable: real, roots: [...roots], version };
}

class PythonWorker implements Worker {
  readonly specificationVersion = 'v1' as const;
  readonly runtime = 'python' as const;
  readonly #pythonPath: string | undefined;
  readonly #isolation: IsolationMode;
  #installation: Promise<PythonInstallation | { problem: string }> | undefined;
  #probe: Promise<WorkerProbe> | undefined;

  constructor(pythonPath: string | undefined, isolation: IsolationMode) {
    this.#pythonPath = pythonPath;
    this.#isolation = isolation;
  }

  #locate(): Promise<PythonInstallation | { problem: string }> {
    this.#installation ??= locatePython(this.#pythonPath);
    return this.#installation;
  }

  probe(): Promise<WorkerProbe> {
    this.#probe ??= Promise.all([probeHost(), this.#locate()]).then(([host, installation]) =>
      probeSubprocessWorker({
        runtime: 'python',
        host,
        isolation: this.#isolation,
        runtimeLayers: [
          'seccomp-no-spawn',
          'seccomp-no-exec',
          'python-isolated-mode',
          'python-audit-hook',
        ],
        ...('problem' in installation
          ? { problem: installation.problem }
          : { interpreter: { path: installation.executable, version: installation.version } }),
      }),
    );
    return this.#probe;
  }

  async run(
    skill: RunnableSkill,
    input: WorkerInput,
    options: WorkerRunOptions = {},
  ): Promise<WorkerResult> {
    const [host, installation] = await Promise.all([probeHost(), this.#locate()]);
    if ('problem' in installation) {
      throw new SandboxUnavailableError({ runtime: 'python', unmet: [installation.problem] });
    }
    const runtime: SubprocessRuntime = {
      runtime: 'python',
      interpreterRoots: installation.roots,
      minimumMemoryMb: 24,
      command: ({ plan, folders, readPaths, writePaths, bubblewrap }) => {
        const memoryBytes = plan.execution.sandbox.max_memory_mb * 1024 * 1024;
        const config = {
          entry: plan.execution.entryAbsolute!,
          read: [folders.runDir, ...readPaths],
          write: [folders.workDir, ...writePaths],
          network: plan.execution.sandbox.network === 'enabled',
          memoryBytes,
          landlock: !bubblewrap,
          system: SYSTEM_READ_PATHS,
          seccomp: Buffer.from(spawnDenyingSeccompProgram({ denyExec: true }).bytes).toString(
            'hex',
          ),
        };
        return {
          file: installation.executable,
          args: ['-I', '-S', '-B', join(folders.runDir, 'bootstrap.py'), JSON.stringify(config)],
          files: { 'bootstrap.py': PYTHON_BOOTSTRAP_SOURCE },
          layers: [
            'seccomp-no-spawn',
            'seccomp-no-exec',
            'python-isolated-mode',
            'python-audit-hook',
            'rlimit',
          ],
          rlimits: [`--as=${memoryBytes}`],
          watchdogBytes: memoryBytes,
          diedOfMemory: (stderr, exitCode) => exitCode === 137 || /(^|\n)MemoryError/.test(stderr),
        };
      },
    };
    return runSubprocessSkill(runtime, host, this.#isolation, skill, input, options);
  }
}

/**
 * Creates the worker that runs `runtime: python` skills as subprocesses: `python3 -I -S`
 * (isolated: no user site, no `PYTHON*` variables, no `site`), a clean environment, a scratch
 * working folder, `RLIMIT_AS` at the memory cap plus a watchdog, a kill timer, an audit hook
 * that refuses files outside the scope and sockets without `net`, a seccomp program installed
 * before the skill's code that denies new processes and `execve` in the kernel — and
 * bubblewrap's namespaces (required unless `isolation: 'process'` opts out of the security
 * boundary).
 */
export function createPythonWorker({
  pythonPath,
  isolation = 'auto',
}: PythonWorkerOptions = {}): Worker {
  return new PythonWorker(pythonPath, isolation);
}
