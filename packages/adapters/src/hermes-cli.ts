import { spawn } from 'node:child_process';
import type { Message } from '@karnel/coordination';
import type { LedgerReader } from '@karnel/core';
import type { AdapterCheck } from './adapter';
import { ADAPTER_RECORD_TYPES } from './adapter-records';
import type { PerformAnswer, PerformContext } from './define-adapter';
import { AdapterError } from './errors';

/** How the Hermes adapter runs the `hermes` command when no API server is configured. */
export interface HermesCliOptions {
  /** The executable, a bare name looked up on `PATH` or an absolute path. Default `hermes`. */
  readonly command?: string;
  /**
   * The Hermes session to resume (an id or a title) on the first invocation. Later invocations
   * resume the session Hermes reported last (kept in the ledger), so the member's memory carries
   * over. Absent: the first invocation starts a new session.
   */
  readonly session?: string;
  /** The kill timer of one run, in milliseconds. Default 600 000 (ten minutes). */
  readonly timeoutMs?: number;
  /** The working directory of the run. Default: the current one. */
  readonly cwd?: string;
  /** The most standard output kept, in bytes; a run that prints more is stopped. Default 1 MiB. */
  readonly maxOutputBytes?: number;
  /** The environment of the run. Default `process.env` (Hermes needs its home and provider keys). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What one run of the `hermes` command gave. */
interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly killedBy?: 'timeout' | 'output' | 'cancel';
  readonly spawnError?: Error;
}

/** The longest prompt passed with `-q` (Linux refuses one argument over 128 KiB). */
export const HERMES_CLI_MAX_PROMPT_BYTES = 120 * 1024;

const MAX_STDERR_BYTES = 8_192;
const KILL_GRACE_MS = 2_000;
const SESSION_LINE = /^session_id:[ \t]*(\S+)[ \t]*$/m;
const UNKNOWN_SESSION =
  /unknown session|session not found|session expired|no conversation found|invalid session/i;

/**
 * The argument vector of one `hermes` run: a one-shot quiet chat (`chat -q <prompt> -Q`) tagged
 * `--source karnel`, resuming `session` and preloading `skill` when given. It never holds an
 * approval bypass (`--yolo`): Hermes asks for approvals on a terminal it does not have, so
 * dangerous commands are refused.
 */
export function hermesCliArguments(prompt: string, session?: string, skill?: string): string[] {
  return [
    'chat',
    '-q',
    prompt,
    '-Q',
    '--source',
    'karnel',
    ...(session ? ['--resume', session] : []),
    ...(skill ? ['--skills', skill] : []),
  ];
}

/**
 * Reads the standard output of `hermes chat -Q`: the answer, then a line `session_id: <id>`.
 * Without that line, the whole output is the answer and the session is unknown.
 */
export function parseHermesQuietOutput(stdout: string): {
  /** The answer: the output before the `session_id:` line, trimmed. */
  response: string;
  /** The Hermes session id from the `session_id:` line, when there is one. */
  sessionId?: string;
} {
  const matches = [...stdout.matchAll(new RegExp(SESSION_LINE.source, 'gm'))];
  const last = matches.at(-1);
  if (!last || last.index === undefined) return { response: stdout.trim() };
  return { response: stdout.slice(0, last.index).trim(), sessionId: last[1] as string };
}

function bounded(text: string, bytes: number): string {
  const buffer = Buffer.from(text, 'utf8');
  return buffer.length <= bytes
    ? text
    : `${buffer.subarray(buffer.length - bytes).toString('utf8')}`;
}

function runHermes(
  command: string,
  args: readonly string[],
  options: {
    readonly cwd?: string;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly timeoutMs: number;
    readonly maxOutputBytes: number;
    readonly signal?: AbortSignal;
  },
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env as NodeJS.ProcessEnv,
      // Its own process group, so a timeout or a cancellation stops Hermes' tools too.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let killedBy: CliRun['killedBy'];
    let escalation: NodeJS.Timeout | undefined;
    const kill = (reason: NonNullable<CliRun['killedBy']>) => {
      if (killedBy || child.pid === undefined) return;
      killedBy = reason;
      const group = -child.pid;
      try {
        process.kill(group, 'SIGTERM');
      } catch {
        // already gone
      }
      escalation = setTimeout(() => {
        try {
          process.kill(group, 'SIGKILL');
        } catch {
          // already gone
        }
      }, KILL_GRACE_MS);
      escalation.unref();
    };
    const timer = setTimeout(() => kill('timeout'), options.timeoutMs);
    const onAbort = () => kill('cancel');
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > options.maxOutputBytes) return kill('output');
      stdout.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = bounded(stderr + chunk, MAX_STDERR_BYTES);
    });
    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (escalation) clearTimeout(escalation);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr,
        ...(killedBy ? { killedBy } : {}),
        ...(spawnError ? { spawnError } : {}),
      });
    });
  });
}

/** What {@link createHermesCliTransport} needs of the adapter around it. */
export interface HermesCliTransportOptions extends HermesCliOptions {
  /** The member's role. */
  readonly role: string;
  /** The skill Hermes preloads for each task (`--skills`). */
  readonly skillToInvoke?: string;
  /** The group ledger, read for the last session Hermes reported. */
  readonly ledger?: unknown;
  /** Renders the message as the prompt. */
  render(message: Message): string;
}

/** The CLI transport's share of an adapter definition: `perform` and `check`. */
export interface HermesCliTransport {
  /** Runs one `hermes chat` for `message`. */
  perform(message: Message, context: PerformContext): Promise<PerformAnswer>;
  /** Whether the `hermes` command runs (`hermes --version`), and the approval warning. */
  check(): Promise<AdapterCheck[]>;
}

function isReader(ledger: unknown): ledger is LedgerReader {
  return typeof (ledger as Partial<LedgerReader> | undefined)?.entries === 'function';
}

/**
 * The fallback transport of the Hermes adapter when no API server is configured: each invocation
 * runs `hermes chat -q <prompt> -Q --source karnel --resume <session>` as a child process in its
 * own process group (no shell), one at a time since they share the session, reads the answer and the session id from standard output, keeps
 * standard error bounded in the ledger, and kills the group on timeout or cancellation. It never
 * passes an approval bypass.
 */
export function createHermesCliTransport(options: HermesCliTransportOptions): HermesCliTransport {
  const {
    role,
    skillToInvoke,
    ledger,
    command = 'hermes',
    timeoutMs = 600_000,
    maxOutputBytes = 1024 * 1024,
    cwd,
    env = process.env,
  } = options;
  let session = options.session;
  let sessionFromLedger = false;
  // One run at a time: they all continue the same Hermes session.
  let queue: Promise<void> = Promise.resolve();

  async function takeTurn(signal: AbortSignal): Promise<() => void> {
    const previous = queue;
    let release = () => {};
    queue = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      await new Promise<void>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        previous.then(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    } catch (error) {
      // Leave the queue once the run before is done, so later runs keep their order.
      previous.then(release);
      throw error;
    }
    return release;
  }

  async function currentSession(): Promise<string | undefined> {
    if (sessionFromLedger || !isReader(ledger)) return session;
    sessionFromLedger = true;
    for await (const entry of ledger.entries()) {
      const body = entry.body as Record<string, unknown>;
      if (
        entry.type === ADAPTER_RECORD_TYPES.progress &&
        body.role === role &&
        body.event === 'hermes.session' &&
        typeof body.session_id === 'string'
      )
        session = body.session_id;
    }
    return session;
  }

  async function run(prompt: string, resume: string | undefined, context: PerformContext) {
    const args = hermesCliArguments(prompt, resume, skillToInvoke);
    await context.progress('hermes.cli_started', {
      command,
      ...(resume ? { session_id: resume } : {}),
    });
    return runHermes(command, args, {
      cwd,
      env: { ...env, KARNEL_RUN_ID: context.runId, KARNEL_ROLE: role },
      timeoutMs,
      maxOutputBytes,
      signal: context.signal,
    });
  }

  async function perform(message: Message, context: PerformContext): Promise<PerformAnswer> {
    const release = await takeTurn(context.signal);
    try {
      return await performAlone(message, context);
    } finally {
      release();
    }
  }

  async function performAlone(message: Message, context: PerformContext): Promise<PerformAnswer> {
    const prompt = options.render(message);
    if (Buffer.byteLength(prompt, 'utf8') > HERMES_CLI_MAX_PROMPT_BYTES)
      throw new AdapterError({
        code: 'adapter/rejected',
        message: `the message is too large for the hermes command line (over ${HERMES_CLI_MAX_PROMPT_BYTES} bytes); configure the Hermes API server`,
      });
    const resume = await currentSession();
    let result = await run(prompt, resume, context);
    // A remembered session Hermes no longer knows did no work: start a new one, once.
    if (
      resume &&
      result.code !== 0 &&
      !result.killedBy &&
      UNKNOWN_SESSION.test(`${result.stdout}\n${result.stderr}`)
    ) {
      await context.progress('hermes.session_unknown', { session_id: resume });
      session = undefined;
      result = await run(prompt, undefined, context);
    }
    if (result.stderr.length > 0) await context.progress('stderr', { stderr: result.stderr });
    if (context.signal.aborted) throw context.signal.reason;
    if (result.spawnError)
      throw new AdapterError({
        code: 'adapter/unreachable',
        message: `the ${command} command cannot be run: ${result.spawnError.message}`,
        cause: result.spawnError,
      });
    if (result.killedBy === 'timeout')
      throw new AdapterError({
        code: 'adapter/timeout',
        message: `${command} ran longer than ${timeoutMs} ms and was stopped`,
      });
    if (result.killedBy === 'output')
      throw new AdapterError({
        code: 'adapter/bad-response',
        message: `${command} printed more than ${maxOutputBytes} bytes and was stopped`,
      });
    const parsed = parseHermesQuietOutput(result.stdout);
    if (parsed.sessionId) {
      session = parsed.sessionId;
      await context.progress('hermes.session', { session_id: parsed.sessionId });
    }
    if (result.code !== 0)
      return {
        status: 'failed',
        summary: `${command} exited with ${result.code ?? result.signal}${result.stderr ? `: ${bounded(result.stderr.trim(), 512)}` : ''}`,
        ...(parsed.sessionId ? { foreignRunId: parsed.sessionId } : {}),
      };
    if (parsed.response.length === 0)
      throw new AdapterError({
        code: 'adapter/bad-response',
        message: `${command} answered nothing`,
      });
    return {
      status: 'completed',
      summary: parsed.response,
      ...(parsed.sessionId ? { foreignRunId: parsed.sessionId } : {}),
    };
  }

  async function check(): Promise<AdapterCheck[]> {
    const probe = await runHermes(command, ['--version'], {
      cwd,
      env,
      timeoutMs: 30_000,
      maxOutputBytes: 64 * 1024,
    });
    const version = probe.stdout.trim().split('\n')[0] ?? '';
    return [
      probe.code === 0
        ? {
            code: 'hermes/cli',
            level: 'pass',
            message: `${command} runs${version ? ` (${version})` : ''}`,
          }
        : {
            code: 'hermes/cli',
            level: 'fail',
            message: probe.spawnError
              ? `${command} cannot be run: ${probe.spawnError.message}`
              : `${command} --version exited with ${probe.code ?? probe.signal}`,
            hint: 'install Hermes on this machine (its hermes command on PATH), or configure its API server as adapter.endpoint',
          },
      {
        code: 'hermes/approvals',
        level: 'warn',
        message:
          'the command-line transport cannot bring Hermes approvals to the owner: commands that need one are refused',
        hint: "run Hermes' API server (API_SERVER_ENABLED=true hermes gateway) and set adapter.endpoint, so approvals reach the signed queue",
      },
    ];
  }

  return { perform, check };
}
