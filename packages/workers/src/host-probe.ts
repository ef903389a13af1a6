import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** What the machine offers the subprocess workers, found once per process. */
export interface HostProbe {
  /** The bubblewrap binary, when it is installed *and* can create its namespaces here. */
  readonly bubblewrap?: string;
  /** Why bubblewrap cannot be used, when it cannot. */
  readonly bubblewrapProblem?: string;
  /** util-linux `prlimit`, used to set resource limits on a command. */
  readonly prlimit?: string;
  /** Whether `/proc` can be read for memory and CPU figures of other processes. */
  readonly procfs: boolean;
}

/** Runs a command and resolves with its exit status and output; never rejects. */
export function runCommand(
  file: string,
  args: readonly string[],
  { timeoutMs = 10_000, env = {} }: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    execFile(
      file,
      [...args],
      { timeout: timeoutMs, env, encoding: 'utf8', killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolvePromise({
          code,
          stdout,
          stderr: stderr || (error && code === null ? error.message : ''),
        });
      },
    );
  });
}

/** Finds `name` on `PATH` (or in the usual system folders), returning its path. */
export async function findExecutable(
  name: string,
  path = process.env.PATH ?? '',
): Promise<string | undefined> {
  const folders = [...path.split(delimiter).filter(Boolean), '/usr/local/bin', '/usr/bin', '/bin'];
  for (const folder of folders) {
    const candidate = join(folder, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Tries bubblewrap the way the workers use it (every namespace unshared, an unprivileged user
 * inside, a private /proc). Containers often refuse user or PID namespaces; then bubblewrap is
 * reported unusable and the workers fall back to their process-level layers.
 */
async function probeBubblewrap(): Promise<{ path?: string; problem?: string }> {
  const path = await findExecutable('bwrap');
  if (!path)
    return {
      problem: 'bubblewrap (bwrap) is not installed; on Debian: apt-get install bubblewrap',
    };
  const result = await runCommand(path, [
    '--unshare-all',
    '--unshare-user',
    '--uid',
    '65534',
    '--gid',
    '65534',
    '--die-with-parent',
    '--ro-bind',
    '/',
    '/',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--',
    'true',
  ]);
  if (result.code !== 0) {
    return {
      problem: `bubblewrap cannot create its namespaces here: ${result.stderr.trim() || `exit ${result.code}`}`,
    };
  }
  return { path };
}

let cached: Promise<HostProbe> | undefined;

/**
 * Probes the machine (bubblewrap, prlimit, /proc), once per process: the answer does not change
 * while a process runs, and every worker start-up would otherwise pay for it.
 */
export function probeHost({ refresh = false }: { refresh?: boolean } = {}): Promise<HostProbe> {
  if (!cached || refresh) {
    cached = (async () => {
      const [bubblewrap, prlimit, procfs] = await Promise.all([
        process.platform === 'linux'
          ? probeBubblewrap()
          : Promise.resolve<{ path?: string; problem?: string }>({
              problem: 'bubblewrap needs Linux',
            }),
        findExecutable('prlimit'),
        access('/proc/self/status', constants.R_OK).then(
          () => true,
          () => false,
        ),
      ]);
      return {
        ...(bubblewrap.path ? { bubblewrap: bubblewrap.path } : {}),
        ...(bubblewrap.problem ? { bubblewrapProblem: bubblewrap.problem } : {}),
        ...(prlimit ? { prlimit } : {}),
        procfs,
      };
    })();
  }
  return cached;
}
