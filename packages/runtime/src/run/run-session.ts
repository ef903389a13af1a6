import { hashJson, parseCost } from '@karnel/core';
import type { PolicyDecision, PolicyRequest } from '@karnel/policy';
import type { RuntimeParts } from './open-runtime-parts';
import type { RecordedStep } from './recorded-run';
import type { RecordedResponse } from './replay-model';

/** Where a run parked: the step, what it waits on and why. */
export interface ParkPoint {
  /** The step the run stopped at. */
  readonly step: number;
  /** The approval id, or `runtime-stop` / `safe-mode`. */
  readonly waitingOn: string;
  /** One sentence. */
  readonly why: string;
}

/** One tool call put through the gate. */
export interface GatedCall {
  /** The tool's name. */
  readonly tool: string;
  /** The model's id of the call. */
  readonly toolCallId: string;
  /** The arguments, as the model gave them (already checked against the tool's schema). */
  readonly input: unknown;
  /** The capability the call exercises (`message.send:critic`, `spend`). */
  readonly capability: string;
  /** For `spend`: the amount, with its currency. */
  readonly amount?: string;
  /** For `spend`: what was spent so far this week and month, for limits per period. */
  readonly spent?: () => Promise<PolicyRequest['spent']>;
  /** A second gate besides policy (the treasury's, for spends); the stricter answer wins. */
  readonly check?: () => Promise<Pick<PolicyDecision, 'effect' | 'reason'>>;
  /** The side effect; `key` (`<runId>:<step>`) makes it happen at most once. */
  readonly effect: (key: string) => Promise<unknown>;
  /**
   * Whether `effect` changes anything outside the run (default `true`). Only then must the
   * run's records so far — the model answer that asked for the call — be on disk before it
   * runs; a read (a memory search, a skill's instructions) waits for nothing.
   */
  readonly sideEffect?: boolean;
  /**
   * Record the call's start, with its idempotency key, on disk before `effect` runs (a skill
   * with code). A call that started and left no result — the process died during it — is then
   * never run again: on resume it becomes an error step ("interrupted; outcome unknown, not
   * repeated") the model sees.
   */
  readonly announce?: boolean;
}

/** What {@link RunSession.authorizeOnce} decided for a call. */
export type CallAuthorization =
  | {
      /** The call may be carried out. */
      readonly ok: true;
      /** The owner's approval it is carried out under, when it needed one. */
      readonly approvalId?: string;
    }
  | {
      /** The call must not be carried out (now). */
      readonly ok: false;
      /** Refused: why (the step is recorded). */
      readonly error?: string;
      /** The run parked instead (an approval to wait for, a stop, safe mode). */
      readonly parked?: true;
      /** Why it parked. */
      readonly why?: string;
    };

/** The error a resumed run's model sees for an announced call that started and never finished. */
export const INTERRUPTED_CALL_ERROR = 'interrupted; outcome unknown, not repeated';

const MAX_OUTPUT_CHARS = 8000;
const SAFE_MODE_REFRESH_MS = 1000;
const rank = { allow: 0, 'needs-approval': 1, deny: 2 } as const;

/** Keeps a value JSON and bounded, as a step's output. */
function bounded(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  if (text.length <= MAX_OUTPUT_CHARS) return JSON.parse(text);
  return { truncated: true, text: text.slice(0, MAX_OUTPUT_CHARS) };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One execution of one run: the steps recorded so far (replayed, never redone), the steps this
 * execution adds, the gate every tool call goes through, and where the run parked.
 */
export class RunSession {
  /** The run's id (`run_<ulid>`). */
  readonly runId: string;
  /** The role of the member the run belongs to. */
  readonly member: string;
  /** Steps in order: recorded by earlier executions, then this one's. */
  readonly steps: RecordedStep[];
  /** Exact cost of the model calls this execution made, in units of 10^-12. */
  costUnits = 0n;
  /** Where the run parked, once it did. */
  parked: ParkPoint | undefined;
  private readonly parts: RuntimeParts;
  private readonly signal: AbortSignal;
  /** True when the run had recorded steps before this execution (a resume). */
  readonly resumed: boolean;
  private readonly done = new Map<string, RecordedStep>();
  private readonly waiting = new Map<string, string>();
  /** Announced calls that started and have no result yet, by tool call id. */
  private readonly started = new Map<string, RecordedStep>();
  private queue: Promise<unknown> = Promise.resolve();
  private pending: Promise<unknown>[] = [];
  /** Steps recorded and not yet handed to the ledger: they go together, sharing one fsync. */
  private buffered: RecordedStep[] = [];
  /**
   * Writes the next model call waits for (the run's start or resumption), and how many of
   * them a completed flush put on disk.
   */
  private beforeCallWrites = 0;
  private beforeCallSynced = 0;
  private safeModeCheckedAt = 0;
  private readonly safeModeCheck: (() => Promise<boolean>) | undefined;
  private readonly durableAnswers: boolean;

  constructor(options: {
    parts: RuntimeParts;
    runId: string;
    member: string;
    recorded: readonly RecordedStep[];
    signal: AbortSignal;
    /**
     * Whether safe mode is on, as fresh as the caller keeps it (an executor shares one reading
     * among its runs). Default: the ledger is read at the first tool call and then at most once
     * a second.
     */
    safeMode?: () => Promise<boolean>;
    /**
     * Make each model answer wait, before the next live model call, until it is on disk (see
     * `RunExecutorOptions.durableAnswers`). Default `true`; `false`: answers wait only for
     * the side effect they ask for, and for the run's outcome.
     */
    durableAnswers?: boolean;
  }) {
    this.parts = options.parts;
    this.runId = options.runId;
    this.member = options.member;
    this.signal = options.signal;
    this.safeModeCheck = options.safeMode;
    this.durableAnswers = options.durableAnswers ?? true;
    this.steps = [];
    this.resumed = options.recorded.length > 0;
    for (const step of options.recorded) this.remember(step);
  }

  /** The model answers recorded by earlier executions, by call. */
  recordedResponses(): RecordedResponse[] {
    return this.steps
      .filter((step) => step.kind === 'model' && step.response !== undefined)
      .map((step) => step.response as RecordedResponse);
  }

  private remember(step: RecordedStep): void {
    this.steps.push(step);
    if (step.kind !== 'tool' || !step.toolCallId) return;
    if (step.started) {
      this.started.set(step.toolCallId, step);
      return;
    }
    this.started.delete(step.toolCallId);
    if (step.decision === 'needs-approval' && step.error === undefined) {
      if (step.approvalId) this.waiting.set(step.toolCallId, step.approvalId);
      this.done.delete(step.toolCallId);
    } else this.done.set(step.toolCallId, step);
  }

  /**
   * Records a step of the run; steps are numbered in the order they are taken. The step is
   * kept until the next {@link RunSession.submit} or {@link RunSession.flush}, which hand every
   * kept step to the ledger at once — in order, sharing one fsync — so a run writes one batch
   * per side effect rather than one per step. A side effect waits for the flush: it never
   * happens before the model answer that asked for it is on disk.
   */
  record(step: Omit<RecordedStep, 'runId' | 'step'>): RecordedStep {
    const full = { runId: this.runId, step: this.steps.length, ...step } as RecordedStep;
    this.buffered.push(full);
    this.remember(full);
    return full;
  }

  /**
   * Hands the kept steps to the ledger without waiting for them: a ledger write that follows
   * (an approval request, a message) is then ordered after them in the chain.
   */
  submit(): void {
    const steps = this.buffered;
    if (steps.length === 0) return;
    this.buffered = [];
    for (const step of steps) {
      const written = this.parts.ledger.appendStep(this.runId, step as Record<string, unknown>);
      written.catch(() => undefined);
      this.pending.push(written);
    }
  }

  /**
   * Adds a ledger write of the run (its start or resumption) that the next
   * {@link RunSession.flush} and the next model call wait for.
   */
  track(write: Promise<unknown>): void {
    this.beforeCallWrites += 1;
    write.catch(() => undefined);
    this.pending.push(write);
  }

  /** The first ledger write of the run that failed; the loop stops at once when set. */
  broken: unknown;

  /** Waits until every step recorded so far is on disk; throws if an append failed. */
  async flush(): Promise<void> {
    const writes = this.beforeCallWrites;
    this.submit();
    try {
      while (this.pending.length > 0) await Promise.all(this.pending.splice(0));
      this.beforeCallSynced = Math.max(this.beforeCallSynced, writes);
    } catch (error) {
      this.broken ??= error;
      throw error;
    }
  }

  /**
   * Before a live model call: waits until the run's start (or resumption) is on disk, so no
   * money is spent on a run the ledger does not know, and — with `durableAnswers` (the
   * default) — until every answer received so far is on disk. Without it, answers are on disk
   * before any side effect they ask for and with the run's outcome; a crash in between loses
   * the answers since the last side effect, asked (and paid) again on resume.
   */
  async beforeModelCall(): Promise<void> {
    if (this.beforeCallSynced < this.beforeCallWrites) await this.flush();
  }

  /** Records a model answer (a live call) with its cost. */
  async recordModel(call: number, response: RecordedResponse): Promise<void> {
    if (this.durableAnswers) this.beforeCallWrites += 1;
    const karnel = (
      response.providerMetadata as Record<string, Record<string, unknown>> | undefined
    )?.karnel;
    const cost = typeof karnel?.cost === 'string' ? karnel.cost : '0';
    const units = parseCost(cost);
    if (units.ok) this.costUnits += units.value;
    const input = response.usage?.inputTokens?.total;
    const output = response.usage?.outputTokens?.total;
    this.record({
      kind: 'model',
      call,
      model:
        typeof karnel?.candidate === 'string' ? karnel.candidate : (response.modelId ?? 'model'),
      ...(input !== undefined ? { inputTokens: input } : {}),
      ...(output !== undefined ? { outputTokens: output } : {}),
      cost,
      response,
    });
  }

  /** Records a tool call the loop refused before running it (malformed arguments, unknown tool). */
  async recordRefusedCall(tool: string, toolCallId: string, input: unknown, error: string) {
    if (this.done.has(toolCallId)) return;
    await this.serial(async () =>
      this.record({
        kind: 'tool',
        tool,
        toolCallId,
        argumentsHash: hashJson(input ?? null),
        error: `malformed tool call: ${error}`,
      }),
    );
  }

  /**
   * Whether safe mode is on: read from the ledger at the first tool call and again when the
   * last reading is older than a second, so a brake pulled by another process stops the run
   * at its next tool call without a ledger read per call.
   */
  private async safeModeActive(): Promise<boolean> {
    if (this.safeModeCheck) return this.safeModeCheck();
    const now = Date.now();
    if (now - this.safeModeCheckedAt > SAFE_MODE_REFRESH_MS) {
      this.safeModeCheckedAt = now;
      return (await this.parts.safeMode.status()).active;
    }
    return this.parts.safeMode.isActive();
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private park(waitingOn: string, why: string): { parked: true; why: string } {
    this.parked ??= { step: this.steps.length, waitingOn, why };
    return { parked: true, why };
  }

  /**
   * Puts one tool call through the gate: a call recorded as done is answered from the record;
   * otherwise safe mode and a stop park the run, policy (and the call's own check) decide,
   * `needs-approval` asks the owner through the signed queue and parks, and an approved call is
   * carried out once, under the approval, with the idempotency key `<runId>:<step>`.
   */
  gate(call: GatedCall): Promise<unknown> {
    return this.serial(() => this.decideAndRun(call));
  }

  /**
   * Decides one call by policy (and the call's own check; the stricter answer wins):
   * `deny` records a refused step; `needs-approval` asks the owner through the signed queue,
   * records the request and parks the run — or, once the owner answered, uses the approval for
   * exactly this action (a refusal or an unusable approval is recorded as an error step).
   */
  private async authorize(call: Omit<GatedCall, 'effect'>): Promise<CallAuthorization> {
    const action = {
      run: this.runId,
      tool: call.tool,
      toolCallId: call.toolCallId,
      input: call.input,
    };
    const argumentsHash = hashJson(call.input ?? null);
    const base = {
      kind: 'tool' as const,
      tool: call.tool,
      toolCallId: call.toolCallId,
      argumentsHash,
    };
    const spent = call.spent ? await call.spent() : undefined;
    const policy = this.parts.policy.decide({
      actor: this.member,
      capability: call.capability,
      ...(call.amount !== undefined ? { amount: call.amount } : {}),
      ...(spent ? { spent } : {}),
      action,
    });
    let effect = policy.effect;
    let reason = policy.reason;
    if (effect !== 'deny' && call.check) {
      const second = await call.check();
      if (rank[second.effect] > rank[effect]) {
        effect = second.effect;
        reason = second.reason;
      }
    }
    if (effect === 'deny') {
      this.record({ ...base, decision: 'deny', error: `denied: ${reason}` });
      return { ok: false, error: `denied: ${reason}` };
    }
    let approvalId: string | undefined;
    if (effect === 'needs-approval') {
      approvalId = this.waiting.get(call.toolCallId);
      if (!approvalId) {
        // The request follows the model answer that asked for it in the chain.
        this.submit();
        const request = await this.parts.approvals.request({
          actor: this.member,
          capability: policy.capability ?? call.capability,
          action,
          reason,
          ...(policy.rule ? { rule: policy.rule.id } : {}),
        });
        this.record({
          ...base,
          decision: 'needs-approval',
          approvalId: request.id,
          output: { waitingOn: request.id },
        });
        return {
          ok: false,
          ...this.park(request.id, `waiting for the owner to approve ${call.tool}: ${reason}`),
        };
      }
      const request = await this.parts.approvals.get(approvalId);
      const status = request?.status ?? 'missing';
      if (status === 'pending')
        return {
          ok: false,
          ...this.park(approvalId, `still waiting for the owner to approve ${call.tool}`),
        };
      if (status !== 'approved') {
        const error = `the owner did not approve ${call.tool} (${status})`;
        this.record({ ...base, decision: 'needs-approval', approvalId, error });
        return { ok: false, error };
      }
      this.submit();
      const used = await this.parts.approvals.use(approvalId, action, {
        capability: request!.capability,
        actor: this.member,
      });
      if (!used.ok) {
        const error = `the approval ${approvalId} cannot be used: ${used.reason}`;
        this.record({ ...base, decision: 'needs-approval', approvalId, error });
        return { ok: false, error };
      }
    }
    return { ok: true, ...(approvalId ? { approvalId } : {}) };
  }

  /**
   * Puts a call that is not a model's tool call (a foreign member's adapter invocation) through
   * the same gate, at most once per run: a decision recorded by an earlier execution is
   * returned as it was; a stop or safe mode parks the run; otherwise policy decides as for a tool
   * call, and an approval used for the call is recorded (so a resumed run does not ask to use
   * it twice). The caller carries the call out only when `ok`.
   */
  authorizeOnce(call: Omit<GatedCall, 'effect'>): Promise<CallAuthorization> {
    return this.serial(async (): Promise<CallAuthorization> => {
      const recorded = this.done.get(call.toolCallId);
      if (recorded)
        return recorded.error !== undefined
          ? { ok: false, error: recorded.error }
          : { ok: true, ...(recorded.approvalId ? { approvalId: recorded.approvalId } : {}) };
      if (this.parked) return { ok: false, parked: true, why: this.parked.why };
      if (this.signal.aborted)
        return {
          ok: false,
          ...this.park('runtime-stop', 'the runtime is stopping; the run resumes after a restart'),
        };
      if (await this.safeModeActive())
        return {
          ok: false,
          ...this.park('safe-mode', 'safe mode is on; the run resumes when the owner turns it off'),
        };
      const authorization = await this.authorize(call);
      if (authorization.ok && authorization.approvalId)
        this.record({
          kind: 'tool',
          tool: call.tool,
          toolCallId: call.toolCallId,
          argumentsHash: hashJson(call.input ?? null),
          decision: 'allow',
          approvalId: authorization.approvalId,
          output: { approved: authorization.approvalId },
        });
      return authorization;
    });
  }

  private async decideAndRun(call: GatedCall): Promise<unknown> {
    const recorded = this.done.get(call.toolCallId);
    if (recorded) return recorded.error !== undefined ? { error: recorded.error } : recorded.output;
    const interrupted = this.started.get(call.toolCallId);
    if (interrupted) {
      // It started in an earlier execution and left no result: whatever it did stays done
      // once, never twice. The model is told and decides what to do next.
      this.record({
        kind: 'tool',
        tool: call.tool,
        toolCallId: call.toolCallId,
        argumentsHash: interrupted.argumentsHash ?? hashJson(call.input ?? null),
        decision: interrupted.decision ?? 'allow',
        ...(interrupted.approvalId ? { approvalId: interrupted.approvalId } : {}),
        ...(interrupted.idempotencyKey ? { idempotencyKey: interrupted.idempotencyKey } : {}),
        error: INTERRUPTED_CALL_ERROR,
      });
      return { error: INTERRUPTED_CALL_ERROR };
    }
    if (this.parked) return { parked: true, why: 'the run is parked; this call waits for it' };
    if (this.signal.aborted)
      return this.park('runtime-stop', 'the runtime is stopping; the run resumes after a restart');
    if (await this.safeModeActive())
      return this.park('safe-mode', 'safe mode is on; the run resumes when the owner turns it off');

    const authorization = await this.authorize(call);
    if (!authorization.ok)
      return authorization.parked
        ? { parked: true, why: authorization.why }
        : { error: authorization.error };
    const { approvalId } = authorization;
    const base = {
      kind: 'tool' as const,
      tool: call.tool,
      toolCallId: call.toolCallId,
      argumentsHash: hashJson(call.input ?? null),
    };
    const key = `${this.runId}:${this.steps.length}`;
    if (call.announce) {
      this.record({
        ...base,
        decision: 'allow',
        ...(approvalId ? { approvalId } : {}),
        idempotencyKey: key,
        started: true,
      });
    }
    if (call.sideEffect !== false || call.announce) await this.flush();
    try {
      const output = bounded(await call.effect(key));
      this.record({
        ...base,
        decision: 'allow',
        ...(approvalId ? { approvalId } : {}),
        idempotencyKey: key,
        output,
      });
      return output;
    } catch (error) {
      const message = errorText(error);
      this.record({
        ...base,
        decision: 'allow',
        ...(approvalId ? { approvalId } : {}),
        idempotencyKey: key,
        error: message,
      });
      return { error: message };
    }
  }
}
