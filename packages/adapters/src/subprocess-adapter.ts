import { access } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { Message } from '@karnel/coordination';
import type { AuditLog, LedgerReader, Signer } from '@karnel/core';
import {
  createNodeWorker,
  createPythonWorker,
  type IsolationMode,
  type PolicyDecider,
  type RunnableSkill,
  type Worker,
} from '@karnel/workers';
import type { AdapterCheck, CostEstimate, ForeignAgentAdapter } from './adapter';
import { defineAdapter, type PerformAnswer, type PerformContext } from './define-adapter';
import { AdapterError } from './errors';
import { describeZodError, foreignOutcomeSchema } from './foreign-outcome-schema';

/** Options of {@link createSubprocessAdapter}. */
export interface SubprocessAdapterOptions {
  /** The member's role. */
  readonly role: string;
  /**
   * The command, as in the member file: `node <script>` or `python3 <script>`, the script
   * relative to `groupDir`. No shell is involved; the script's folder is its whole world.
   */
  readonly command: string;
  /** The group directory the script path is relative to. */
  readonly groupDir: string;
  /** The task classes the member accepts; absent means any. */
  readonly taskClasses?: readonly string[];
  /** The group ledger (adapter records, and the worker's `skill.*` records). */
  readonly ledger?: AuditLog | (AuditLog & LedgerReader);
  /**
   * The policy asked for anything privileged, as for a skill. Default: none, so everything
   * privileged is denied.
   */
  readonly policy?: PolicyDecider;
  /** Signs the worker's ledger records. */
  readonly signer?: Signer;
  /** The kill timer of one run, in milliseconds. Default 30 000. */
  readonly timeoutMs?: number;
  /** The memory limit of one run, in megabytes. Default 256. */
  readonly maxMemoryMb?: number;
  /** How much standard error is kept in the ledger, in bytes. Default 8 192. */
  readonly maxStderrBytes?: number;
  /** The worker's isolation mode. Default `auto` (bubblewrap required). */
  readonly isolation?: IsolationMode;
  /** The worker that runs the script. Default: the node or python worker of `@karnel/workers`. */
  readonly worker?: Worker;
}

const COMMAND_PATTERN = /^(node|python3?)\s+(\S+)$/;

/** Splits `node ./tools/x.mjs` into the runtime and the script; `undefined` when it is neither. */
export function parseMemberCommand(command: string):
  | {
      /** The worker runtime. */
      runtime: 'node' | 'python';
      /** The script, as written (relative to the group directory). */
      script: string;
    }
  | undefined {
  const match = COMMAND_PATTERN.exec(command.trim());
  if (!match) return undefined;
  return { runtime: match[1] === 'node' ? 'node' : 'python', script: match[2] as string };
}

function truncate(text: string, bytes: number): string {
  const buffer = Buffer.from(text, 'utf8');
  return buffer.length <= bytes ? text : `${buffer.subarray(0, bytes).toString('utf8')}…`;
}

/**
 * Creates the adapter of a local program: the member's script runs through `@karnel/workers` in
 * the same sandbox and under the same policy as a skill (no network, no other programs, nothing
 * outside its folder), reads the Annex C message as JSON on standard input and writes one
 * outcome document on standard output. A timeout kills its process group.
 */
export function createSubprocessAdapter(options: SubprocessAdapterOptions): ForeignAgentAdapter {
  const {
    role,
    command,
    groupDir,
    ledger,
    policy,
    signer,
    timeoutMs = 30_000,
    maxMemoryMb = 256,
    maxStderrBytes = 8_192,
    isolation = 'auto',
  } = options;
  const parsed = parseMemberCommand(command);
  if (!parsed)
    throw new AdapterError({
      code: 'adapter/config',
      message: `the command of ${role} must be "node <script>" or "python3 <script>", got ${JSON.stringify(command)}`,
    });
  if (isAbsolute(parsed.script))
    throw new AdapterError({
      code: 'adapter/config',
      message: `the script of ${role} must be relative to the group directory, got ${parsed.script}`,
    });
  const scriptPath = resolve(groupDir, parsed.script);
  const dir = dirname(scriptPath);
  const skill: RunnableSkill = {
    name: role,
    dir,
    execution: {
      runtime: parsed.runtime,
      entry: basename(scriptPath),
      entryAbsolute: scriptPath,
      capabilities_required: [],
      sandbox: { network: 'disabled', max_memory_mb: maxMemoryMb, timeout_ms: timeoutMs },
    },
  };
  const worker =
    options.worker ??
    (parsed.runtime === 'node'
      ? createNodeWorker({ isolation })
      : createPythonWorker({ isolation }));

  async function perform(message: Message, context: PerformContext): Promise<PerformAnswer> {
    const result = await worker.run(skill, JSON.stringify(message), {
      actor: role,
      policy,
      ledger,
      signer,
      signal: context.signal,
      env: { KARNEL_RUN_ID: context.runId, KARNEL_ROLE: role },
    });
    if (result.stderr.length > 0)
      await context.progress('stderr', { stderr: truncate(result.stderr, maxStderrBytes) });
    if (context.signal.aborted) throw context.signal.reason;
    if (!result.ok)
      throw new AdapterError({
        code: result.killedBy === 'timeout' ? 'adapter/timeout' : 'adapter/rejected',
        message: result.killedBy
          ? `${role} was stopped (${result.killedBy}): ${result.reason ?? 'no reason given'}`
          : `${role} exited with code ${result.exitCode}`,
      });
    let value: unknown;
    try {
      value = JSON.parse(result.output);
    } catch {
      throw new AdapterError({
        code: 'adapter/bad-response',
        message: `${role} did not print a JSON outcome on standard output`,
      });
    }
    const outcome = foreignOutcomeSchema.safeParse(value);
    if (!outcome.success)
      throw new AdapterError({
        code: 'adapter/bad-response',
        message: `${role} printed something that is not an outcome: ${describeZodError(outcome.error)}`,
      });
    const { foreign_run_id, ...rest } = outcome.data;
    return { ...rest, ...(foreign_run_id ? { foreignRunId: foreign_run_id } : {}) };
  }

  async function check(): Promise<AdapterCheck[]> {
    const checks: AdapterCheck[] = [];
    try {
      await access(scriptPath);
      checks.push({
        code: 'subprocess/command',
        level: 'pass',
        message: `${parsed?.script} exists`,
      });
    } catch {
      checks.push({
        code: 'subprocess/command',
        level: 'fail',
        message: `${parsed?.script} does not exist in ${groupDir}`,
        hint: 'correct adapter.endpoint in the member file; the path is relative to the group directory',
      });
    }
    const probe = await worker.probe();
    checks.push(
      probe.available && (probe.bubblewrap || isolation === 'process')
        ? {
            code: 'subprocess/sandbox',
            level: isolation === 'process' ? 'warn' : 'pass',
            message:
              isolation === 'process'
                ? 'isolation "process" is not a security boundary'
                : `the ${parsed?.runtime} sandbox is available (${probe.layers.join(', ')})`,
            ...(isolation === 'process'
              ? { hint: 'install bubblewrap and use isolation "auto"' }
              : {}),
          }
        : {
            code: 'subprocess/sandbox',
            level: 'fail',
            message: `the ${parsed?.runtime} sandbox is not available: ${probe.notes.join('; ') || 'unknown reason'}`,
            hint: 'install bubblewrap (apt-get install bubblewrap) and the interpreter',
          },
    );
    return checks;
  }

  return defineAdapter({
    type: 'subprocess',
    role,
    taskClasses: options.taskClasses,
    ledger,
    check,
    perform,
    async estimateCost(): Promise<CostEstimate> {
      return { cost: { amount: '0', currency: 'USD' }, basis: 'free' };
    },
  });
}
