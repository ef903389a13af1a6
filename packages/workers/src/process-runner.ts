import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { KilledBy } from './worker';

/** Options of {@link runSandboxedProcess}. */
export interface ProcessRunOptions {
  /** The program to start (already wrapped in bubblewrap and prlimit when they are used). */
  readonly file: string;
  /** Its arguments. */
  readonly args: readonly string[];
  /** The complete environment; nothing of the parent's is added. */
  readonly env: Readonly<Record<string, string>>;
  /** The working folder. */
  readonly cwd: string;
  /** Bytes written to standard input, which is then closed. */
  readonly stdin: Uint8Array;
  /** Wall-clock limit; the whole process tree is killed when it passes. */
  readonly timeoutMs: number;
  /**
   * Resident memory limit of the whole process tree in bytes, checked by sampling /proc; the
   * tree is killed when a sample exceeds it. `undefined` disables the watchdog.
   */
  readonly memoryLimitBytes?: number;
  /** Largest standard output (and, separately, standard error) kept before the tree is killed. */
  readonly maxOutputBytes: number;
  /** Kills the tree when aborted. */
  readonly signal?: AbortSignal;
  /** How often the memory watchdog samples. Default 25 ms. */
  readonly sampleIntervalMs?: number;
  /**
   * Bytes handed to the program on extra descriptors, from fd 3 on, each through a pipe that is
   * closed after the bytes (bubblewrap reads its seccomp program this way, until end of file).
   */
  readonly extraInputs?: readonly Uint8Array[];
}

/** What {@link runSandboxedProcess} observed. */
export interface ProcessRunResult {
  /** Standard output, cut at the limit. */
  readonly stdout: Buffer;
  /** Standard error, cut at the limit. */
  readonly stderr: Buffer;
  /** Exit code, `null` when a signal ended the process. */
  readonly exitCode: number | null;
  /** The signal that ended it, if one did. */
  readonly signal: NodeJS.Signals | null;
  /** Why the runner killed it, if it did. */
  readonly killedBy?: KilledBy;
  /** Wall-clock milliseconds from spawn to exit. */
  readonly durationMs: number;
  /** Highest resident memory of the tree seen by the watchdog, in bytes. */
  readonly peakMemoryBytes: number;
  /** CPU milliseconds of the tree at the last sample. */
  readonly cpuMs: number;
  /** The spawn error, when the program could not be started. */
  readonly spawnError?: Error;
}

const pageTicks = 100;

async function childrenOf(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text
      .split(/\s+/)
      .filter(Boolean)
      .map((value) => Number(value));
  } catch {
    return [];
  }
}

/** The pid and every descendant, found through /proc's `children` files. */
export async function processTree(pid: number): Promise<number[]> {
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length > 0 && tree.length < 4096) {
    const next = queue.shift()!;
    tree.push(next);
    queue.push(...(await childrenOf(next)));
  }
  return tree;
}

async function sampleTree(pid: number): Promise<{ rssBytes: number; cpuMs: number }> {
  let rssBytes = 0;
  let cpuMs = 0;
  for (const member of await processTree(pid)) {
    try {
      const status = await readFile(`/proc/${member}/status`, 'utf8');
      const rss = /VmRSS:\s+(\d+) kB/.exec(status);
      if (rss) rssBytes += Number(rss[1]) * 1024;
      const stat = await readFile(`/proc/${member}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuMs += ((Number(fields[11]) + Number(fields[12])) * 1000) / pageTicks;
    } catch {
      // the process exited between listing and reading
    }
  }
  return { rssBytes, cpuMs };
}

async function killTree(pid: number): Promise<void> {
  const tree = await processTree(pid);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
  for (const member of tree.reverse()) {
    try {
      process.kill(member, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Starts a program in its own process group and watches it: kills the whole tree (SIGKILL) when
 * it runs past its time, goes over its memory, writes too much, or the caller aborts. Resolves
 * when the program has exited; never rejects.
 */
export function runSandboxedProcess(options: ProcessRunOptions): Promise<ProcessRunResult> {
  const { sampleIntervalMs = 25 } = options;
  return new Promise((resolvePromise) => {
    const started = performance.now();
    let killedBy: KilledBy | undefined;
    let peakMemoryBytes = 0;
    let cpuMs = 0;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrBytes = 0;
    const child = spawn(options.file, [...options.args], {
      cwd: options.cwd,
      env: { ...options.env },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe', ...(options.extraInputs ?? []).map(() => 'pipe' as const)],
    });
    (options.extraInputs ?? []).forEach((bytes, index) => {
      const stream = child.stdio[3 + index] as Writable | null;
      stream?.on('error', () => {
        // the program exited before reading; its exit is reported instead
      });
      stream?.end(Buffer.from(bytes));
    });
    const pid = child.pid;
    const kill = (reason: KilledBy) => {
      if (killedBy || pid === undefined) return;
      killedBy = reason;
      void killTree(pid);
    };
    const timer = setTimeout(() => kill('timeout'), options.timeoutMs);
    let sampling = false;
    const sampler =
      pid === undefined
        ? undefined
        : setInterval(() => {
            if (sampling) return;
            sampling = true;
            void sampleTree(pid).then((sample) => {
              sampling = false;
              peakMemoryBytes = Math.max(peakMemoryBytes, sample.rssBytes);
              cpuMs = Math.max(cpuMs, sample.cpuMs);
              if (
                options.memoryLimitBytes !== undefined &&
                sample.rssBytes > options.memoryLimitBytes
              )
                kill('memory');
            });
          }, sampleIntervalMs);
    const onAbort = () => kill('signal');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) kill('signal');
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdoutBytes + chunk.length > options.maxOutputBytes) {
        stdout.push(chunk.subarray(0, Math.max(0, options.maxOutputBytes - stdoutBytes)));
        stdoutBytes = options.maxOutputBytes;
        kill('output');
        return;
      }
      stdoutBytes += chunk.length;
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderrBytes >= options.maxOutputBytes) return;
      const kept = chunk.subarray(0, options.maxOutputBytes - stderrBytes);
      stderrBytes += kept.length;
      stderr.push(kept);
    });
    child.stdin.on('error', () => {
      // the skill closed its input early; that is its business
    });
    child.stdin.end(Buffer.from(options.stdin));
    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('exit', () => {
      clearTimeout(timer);
      // Anything still alive in the group (a daemonised grandchild holding the pipes open) goes
      // with the leader, so that 'close' follows promptly.
      if (pid !== undefined) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // nothing left
        }
      }
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      if (sampler) clearInterval(sampler);
      options.signal?.removeEventListener('abort', onAbort);
      resolvePromise({
        stdout: Buffer.concat(stdout),
        stderr: Buffer.concat(stderr),
        exitCode,
        signal,
        ...(killedBy ? { killedBy } : {}),
        durationMs: performance.now() - started,
        peakMemoryBytes,
        cpuMs,
        ...(spawnError ? { spawnError } : {}),
      });
    });
  });
}
