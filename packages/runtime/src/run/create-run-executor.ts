import { createMessage, type Message } from '@karnel/coordination';
import {
  type Currency,
  chargeCost,
  EMPTY_COST_CARRY,
  formatCost,
  formatMoney,
  OutsideRootError,
  parseCost,
} from '@karnel/core';
import { ReservationStateError } from '@karnel/treasury';
import { generateText, isStepCount } from 'ai';
import { RUN_RECORD_TYPES } from '../run-records';
import type { RuntimeMember, RuntimeParts } from './open-runtime-parts';
import { readRecordedRun } from './recorded-run';
import { createReplayModel } from './replay-model';
import { assembleRunContext } from './run-context';
import type { RunExecutor, RunResult, RunTicket } from './run-executor';
import { createRunFileCaches, type RunFileCaches } from './run-file-caches';
import { RunSession } from './run-session';
import { createRunTools } from './run-tools';

/** Options of {@link createRunExecutor}. */
export interface RunExecutorOptions {
  /** Most model calls in one execution of a run (the AI SDK's step limit). Default 12. */
  readonly maxSteps?: number;
  /** The most tokens a run's fresh context may cost. Default 6 000. */
  readonly contextTokens?: number;
  /**
   * Wait, before each live model call, until the model answers recorded so far are on disk.
   * A crash during a run then never loses an answer already received (and paid for): it is
   * replayed on resume and its cost charged. It costs one ledger batch (an fsync or two) per
   * model turn, which matters only next to a very fast model. Default `true`. `false` makes an
   * answer wait only for the side effect it asks for and for the run's outcome: a crash can
   * then lose the answers since the run's last side effect — asked again on resume, and the
   * provider's charge for the lost ones never reaches the treasury.
   */
  readonly durableAnswers?: boolean;
}

const SUMMARY_CHARS = 4000;

/**
 * The capability a foreign member's adapter invocation is decided under by policy, followed by
 * `:<role>`: `adapter.invoke:specialist_writer`.
 */
export const ADAPTER_CAPABILITY = 'adapter.invoke';

/**
 * The files of one run: each read once through the executor's caches and then kept for the
 * run, so the run sees one version of its skills and goals and checks their fingerprint once.
 */
function filesOfRun(files: RunFileCaches): RunFileCaches {
  const skills = new Map<string, ReturnType<RunFileCaches['skills']>>();
  const goals = new Map<string, ReturnType<RunFileCaches['goals']>>();
  const once = <T>(map: Map<string, Promise<T>>, key: string, read: () => Promise<T>) => {
    let value = map.get(key);
    if (!value) {
      value = read();
      map.set(key, value);
      value.catch(() => map.delete(key));
    }
    return value;
  };
  return {
    skills: (dir) => once(skills, dir, () => files.skills(dir)),
    goals: (file) => once(goals, file, () => files.goals(file)),
  };
}

/** Thrown inside a foreign run when policy refused or parked the adapter call. */
class RefusedCall extends Error {}
/** How old the executor's reading of safe mode may be before a tool call reads the ledger again. */
const SAFE_MODE_REFRESH_MS = 1000;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Creates the default {@link RunExecutor}: each run gets a fresh context under a token budget,
 * runs the AI SDK's tool loop (with a step limit) on the member's tier model, every tool call
 * decided by policy first, every step recorded in the group ledger through its run API, its cost
 * settled against the ticket's treasury reservation (or one it takes for the member's
 * `max_cost_per_run`), and an episode written to the member's memory.
 *
 * A tool call that needs approval asks the owner through the signed approval queue and parks
 * the run. Executing the ticket again later (`resume: true`) — after a restart too — replays
 * the recorded steps without calling the model for them or repeating their side effects, then
 * goes on. Aborting `signal` parks the run at its next tool call.
 *
 * @example
 * ```ts
 * const parts = await openRuntimeParts('./newsletter-co');
 * const executor = createRunExecutor(parts);
 * const result = await executor.execute(
 *   { runId: createId('run'), member: 'researcher', reasons: [], resume: false },
 *   { signal: AbortSignal.timeout(600_000) },
 * );
 * ```
 */
export function createRunExecutor(
  parts: RuntimeParts,
  options: RunExecutorOptions = {},
): RunExecutor {
  const { maxSteps = 12, contextTokens = 6000, durableAnswers = true } = options;
  // The treasury's currency, read once: budgets may change between runs, the unit does not.
  let unitOf: Promise<Currency> | undefined;
  const currency = (): Promise<Currency> => {
    unitOf ??= parts.treasury.config().then((config) => config.unit);
    unitOf.catch(() => {
      unitOf = undefined;
    });
    return unitOf;
  };
  // Skills and goals are read and validated once, then again only when their files change.
  const files = createRunFileCaches(parts.dir);
  // One reading of safe mode shared by every run: the ledger is read again when the last
  // reading is older than a second, so a brake pulled by another process stops each run at its
  // next tool call without a ledger read per run.
  let safeModeCheckedAt = 0;
  let safeModeReading: Promise<boolean> | undefined;
  const safeModeActive = async (): Promise<boolean> => {
    const now = Date.now();
    if (now - safeModeCheckedAt > SAFE_MODE_REFRESH_MS || !safeModeReading) {
      safeModeCheckedAt = now;
      safeModeReading = parts.safeMode.status().then((status) => status.active);
      safeModeReading.catch(() => {
        safeModeCheckedAt = 0;
        safeModeReading = undefined;
      });
      return safeModeReading;
    }
    await safeModeReading;
    return parts.safeMode.isActive();
  };

  async function wakingMessages(ticket: RunTicket): Promise<Message[]> {
    const refs = new Set(
      ticket.reasons
        .filter((reason) => reason.ref?.startsWith('msg_'))
        .map((reason) => reason.ref as string),
    );
    if (refs.size === 0) return [];
    const history = await parts.coordinator.history();
    return history.filter((message) => refs.has(message.id));
  }

  /**
   * What this execution cost, charged by the one rounding rule (the exact cost rounded up to
   * the currency's minor unit), and the treasury write that settles it: a commit against the
   * reservation (the rest is released), a release when nothing was spent, or a plain spend when
   * the run had no reservation.
   */
  async function settlement(
    ticket: RunTicket,
    reservationId: string | undefined,
    costUnits: bigint,
    note: string,
  ): Promise<{ cost: string; write: () => Promise<void> }> {
    const unit = await currency();
    const minor = chargeCost(EMPTY_COST_CARRY, costUnits, unit).minor;
    const description = `inference of run ${ticket.runId} (${note})`;
    const tier = parts.members.get(ticket.member)?.tier;
    const write = async () => {
      if (reservationId) {
        if (minor > 0n)
          await parts.treasury.commit(reservationId, {
            actual: minor,
            run: ticket.runId,
            description,
          });
        else await parts.treasury.release(reservationId, `run ${ticket.runId} spent nothing`);
      } else if (minor > 0n) {
        await parts.treasury.recordSpend({
          amount: minor,
          run: ticket.runId,
          description,
          ...(tier ? { modelClass: tier } : {}),
        });
      }
    };
    return { cost: formatMoney(minor, unit), write };
  }

  async function reserve(
    ticket: RunTicket,
    member: RuntimeMember,
  ): Promise<{ id?: string; refused?: string }> {
    if (ticket.reservationId) return { id: ticket.reservationId };
    if (member.maxCostPerRun === undefined) return {};
    const unit = await currency();
    const result = await parts.treasury.reserve({
      amount: member.maxCostPerRun.toFixed(unit.decimals),
      ...(member.tier ? { modelClass: member.tier } : {}),
      purpose: `run ${ticket.runId} of ${member.role}`,
    });
    if (!result.ok) return { refused: result.decision.reason };
    return { id: result.reservation.id };
  }

  async function writeEpisode(
    member: RuntimeMember,
    ticket: RunTicket,
    status: string,
    text: string,
    cost: string,
    steps: number,
  ): Promise<void> {
    try {
      await parts.memoryOf(member.role).appendEpisode({
        kind: status === 'succeeded' ? 'run.completed' : 'run.failed',
        text: text.trim() || `${member.role} run ${ticket.runId} ${status}`,
        actor: member.role,
        sources: [`ledger/runs/${ticket.runId}`],
        data: { runId: ticket.runId, status, cost, steps },
      });
    } catch (error) {
      // The member's episodic log leads out of the group (a symlink): nothing is written
      // there. The run's outcome is in the ledger already; the refusal is not silent.
      if (!OutsideRootError.isInstance(error)) throw error;
      process.emitWarning(`run ${ticket.runId}: episode not written: ${error.message}`, {
        code: 'KARNEL_OUTSIDE_ROOT',
      });
    }
  }

  /**
   * A foreign member's run: the task that woke it (or one made from the wake reasons) goes to
   * its adapter (`@karnel/adapters`, which writes `adapter.invoked` and `adapter.outcome` and
   * never does the work twice under one run id); the run leaves the same records as a native
   * one — started, one `adapter` step, finished — its reported cost is settled and the result
   * goes back to whoever sent the task.
   */
  /**
   * What every run does first: reads back what a resumed run recorded (a fresh run has nothing
   * recorded), refuses a finished run, takes the treasury reservation and opens the session
   * that records the steps. A run that cannot start comes back as `failed`.
   */
  async function openRun(ticket: RunTicket, member: RuntimeMember, signal: AbortSignal) {
    const recorded = ticket.resume
      ? await readRecordedRun(parts.ledger, ticket.runId)
      : { started: false, finished: false, steps: [], parkedCosts: [], reservations: [] };
    if (recorded.finished)
      return {
        failed: {
          status: 'failed',
          cost: '0',
          steps: recorded.steps.length,
          error: `run ${ticket.runId} is already finished`,
        } satisfies RunResult,
      };
    const reservation = await reserve(ticket, member);
    if (reservation.refused)
      return {
        failed: {
          status: 'failed',
          cost: '0',
          steps: recorded.steps.length,
          error: `the treasury refused the run: ${reservation.refused}`,
        } satisfies RunResult,
      };
    const session = new RunSession({
      parts,
      runId: ticket.runId,
      member: member.role,
      recorded: recorded.steps,
      signal,
      safeMode: safeModeActive,
      durableAnswers,
    });
    return { recorded, reservation, session };
  }

  async function executeForeign(
    ticket: RunTicket,
    member: RuntimeMember,
    signal: AbortSignal,
  ): Promise<RunResult> {
    const opened = await openRun(ticket, member, signal);
    if (opened.failed) return opened.failed;
    const { recorded, reservation, session } = opened;
    session.track(
      recorded.started
        ? parts.ledger.append({
            type: RUN_RECORD_TYPES.runResumed,
            body: {
              runId: ticket.runId,
              member: member.role,
              reasons: ticket.reasons,
              recordedSteps: recorded.steps.length,
              ...(reservation.id ? { reservationId: reservation.id } : {}),
            },
          })
        : parts.ledger.startRun({
            runId: ticket.runId,
            manifest: {
              runId: ticket.runId,
              member: member.role,
              reasons: ticket.reasons,
              resumed: false,
              ...(reservation.id ? { reservationId: reservation.id } : {}),
            },
          }),
    );
    let status: 'succeeded' | 'failed' | 'parked' = 'failed';
    let summary = '';
    let failure: string | undefined;
    try {
      const adapter = await parts.adapterOf(member.role);
      const messages = await wakingMessages(ticket);
      const task =
        messages.find((message) => message.type === 'task') ??
        createMessage({
          type: 'task',
          from: member.role,
          to: member.role,
          clock: parts.clock,
          payload: {
            title: ticket.reasons[0]?.detail ?? `run ${ticket.runId}`,
            ...(member.taskClass ? { task_class: member.taskClass } : {}),
            instructions: ticket.reasons.map((reason) => reason.detail).join('\n') || undefined,
          },
        });
      /** Answers the task's sender (never the member itself) with the task's result. */
      const reply = async (payload: {
        status: 'failed' | 'completed' | 'partial' | 'declined';
        summary: string;
        outputs?: Record<string, unknown>;
        artifacts?: string[];
      }) => {
        if (task.from === member.role) return;
        await parts.coordinator.send(
          createMessage({
            type: 'result',
            from: member.role,
            to: task.from,
            inReplyTo: task.id,
            refs: { ledger: [ticket.runId] },
            clock: parts.clock,
            payload: { task: task.id, ...payload },
          }),
        );
      };
      // The invocation is decided by policy like a tool call: the foreign member acts as
      // itself, under the capability `adapter.invoke:<role>`.
      const authorization = await session.authorizeOnce({
        tool: 'adapter',
        toolCallId: `adapter:${ticket.runId}`,
        input: { adapter: adapter.type, member: member.role },
        capability: `${ADAPTER_CAPABILITY}:${member.role}`,
      });
      if (!authorization.ok) {
        if (authorization.parked) status = 'parked';
        else {
          failure = `${member.role}'s adapter call was refused: ${authorization.error}`;
          summary = failure;
          await reply({ status: 'declined', summary: failure });
        }
        await session.flush();
        throw new RefusedCall();
      }
      await session.flush();
      const outcome = await adapter.invoke(task, { runId: ticket.runId, signal });
      const cost = parseCost(outcome.cost?.amount ?? '0');
      if (cost.ok && !outcome.replayed) session.costUnits += cost.value;
      summary = outcome.summary.slice(0, SUMMARY_CHARS);
      session.record({
        kind: 'adapter',
        tool: adapter.type,
        ...(outcome.cost ? { cost: outcome.cost.amount } : {}),
        output: {
          status: outcome.status,
          summary,
          ...(outcome.foreignRunId ? { foreignRunId: outcome.foreignRunId } : {}),
          ...(outcome.replayed ? { replayed: true } : {}),
        },
      });
      if (outcome.status === 'cancelled') status = 'parked';
      else if (outcome.status === 'failed' || outcome.status === 'declined') {
        failure = `${member.role} ${outcome.status} the task: ${summary}`;
      } else status = 'succeeded';
      if (status !== 'parked')
        await reply({
          status: outcome.status === 'cancelled' ? 'failed' : outcome.status,
          summary: summary || '(no summary)',
          ...(outcome.outputs ? { outputs: { ...outcome.outputs } } : {}),
          ...(outcome.artifacts ? { artifacts: [...outcome.artifacts] } : {}),
        });
      await session.flush();
    } catch (error) {
      if (!(error instanceof RefusedCall)) {
        await session.flush().catch(() => undefined);
        failure = errorText(error);
        status = 'failed';
      }
    }
    if (status === 'parked') {
      const { cost, write } = await settlement(ticket, reservation.id, session.costUnits, 'parked');
      await write();
      const park = session.parked ?? {
        step: session.steps.length,
        waitingOn: 'runtime-stop',
        why: 'the runtime stopped the invocation; it resumes after a restart',
      };
      await parts.ledger.append({
        type: RUN_RECORD_TYPES.runParked,
        body: {
          runId: ticket.runId,
          step: park.step,
          waitingOn: park.waitingOn,
          why: park.why,
          cost,
        },
      });
      return { status: 'parked', cost, steps: session.steps.length, waitingOn: park.waitingOn };
    }
    const final = failure === undefined ? 'succeeded' : 'failed';
    const { cost, write } = await settlement(ticket, reservation.id, session.costUnits, final);
    const previous = recorded.parkedCosts.reduce((sum, text) => {
      const parsed = parseCost(text);
      return parsed.ok ? sum + parsed.value : sum;
    }, 0n);
    const now = parseCost(cost);
    await Promise.all([
      write(),
      parts.ledger.finishRun(ticket.runId, {
        runId: ticket.runId,
        member: member.role,
        status: final,
        cost: formatCost(previous + (now.ok ? now.value : 0n)),
        steps: session.steps.length,
        ...(failure !== undefined ? { error: failure } : {}),
        ...(summary ? { summary } : {}),
      }),
      writeEpisode(
        member,
        ticket,
        final,
        failure !== undefined ? `${member.role} run failed: ${failure}` : summary,
        cost,
        session.steps.length,
      ),
    ]);
    return {
      status: final,
      cost,
      steps: session.steps.length,
      ...(failure !== undefined ? { error: failure } : {}),
    };
  }

  return {
    async execute(ticket, { signal }): Promise<RunResult> {
      const member = parts.members.get(ticket.member);
      if (member?.kind === 'foreign') return executeForeign(ticket, member, signal);
      if (member?.kind !== 'karnel-native' || !member.tier) {
        const why = !member
          ? `no member "${ticket.member}" in the group`
          : member.kind !== 'karnel-native'
            ? `${ticket.member} is a ${member.kind} member: it answers through the inbox, it does not run`
            : `${ticket.member} has no model tier (model_class)`;
        return { status: 'failed', cost: '0', steps: 0, error: why };
      }
      const tier = member.tier;
      const runFiles = filesOfRun(files);
      // The fresh context is assembled while the run is opened (the recorded steps read back,
      // the reservation taken): neither needs the other.
      const assembling = wakingMessages(ticket).then((messages) =>
        assembleRunContext({
          ...(parts.group.mission ? { mission: parts.group.mission } : {}),
          member,
          reasons: ticket.reasons,
          messages,
          memory: parts.memoryOf(member.role),
          ...(parts.goalsFile ? { goalsFile: parts.goalsFile } : {}),
          budgetTokens: contextTokens,
          files: runFiles,
          root: parts.dir,
        }),
      );
      assembling.catch(() => undefined);
      const opened = await openRun(ticket, member, signal);
      if (opened.failed) return opened.failed;
      const { recorded, reservation, session } = opened;
      // Queued, not awaited: the ledger writes it before the run's first step, and the first
      // flush (before any side effect) waits for both.
      let opening: Promise<unknown>;
      if (!recorded.started) {
        opening = parts.ledger.startRun({
          runId: ticket.runId,
          manifest: {
            runId: ticket.runId,
            member: member.role,
            reasons: ticket.reasons,
            resumed: false,
            tier,
            ...(reservation.id ? { reservationId: reservation.id } : {}),
          },
        });
      } else {
        opening = parts.ledger.append({
          type: RUN_RECORD_TYPES.runResumed,
          body: {
            runId: ticket.runId,
            member: member.role,
            reasons: ticket.reasons,
            recordedSteps: recorded.steps.length,
            ...(reservation.id ? { reservationId: reservation.id } : {}),
          },
        });
      }

      session.track(opening);
      let openingError: unknown;
      opening.catch((error: unknown) => {
        openingError = error;
      });
      // A reservation an earlier execution took and never settled (its process died) is given
      // back: this execution pays from its own.
      for (const earlier of recorded.reservations) {
        if (earlier === reservation.id) continue;
        await parts.treasury
          .release(earlier, `run ${ticket.runId} resumed under another reservation`)
          .catch((error: unknown) => {
            if (!ReservationStateError.isInstance(error)) throw error;
          });
      }
      const units = (cost: string | undefined) => {
        const parsed = parseCost(cost ?? '0');
        return parsed.ok ? parsed.value : 0n;
      };
      const previousCost = recorded.parkedCosts.reduce((sum, cost) => sum + units(cost), 0n);
      // Model calls recorded by an execution that never settled (the process died) are charged
      // now: what the recorded steps cost beyond what earlier executions settled.
      const recordedCost = recorded.steps
        .filter((step) => step.kind === 'model')
        .reduce((sum, step) => sum + units(step.cost), 0n);
      if (recordedCost > previousCost) session.costUnits += recordedCost - previousCost;
      let text = '';
      let failure: string | undefined;
      try {
        const context = await assembling;
        const model = createReplayModel({
          recorded: session.recordedResponses(),
          live: () => parts.models({ member: member.role, tier, runId: ticket.runId }),
          record: (call, response) => session.recordModel(call, response),
          beforeLive: () => session.beforeModelCall(),
        });
        const result = await generateText({
          model,
          system: context.system,
          prompt: context.prompt,
          tools: createRunTools({
            parts,
            member,
            runId: ticket.runId,
            session,
            files: runFiles,
          }),
          stopWhen: [
            isStepCount(maxSteps),
            () => session.parked !== undefined || session.broken !== undefined,
          ],
          maxRetries: 0,
          onStepFinish: async (step) => {
            for (const part of step.content) {
              if (part.type === 'tool-error' && !session.parked) {
                await session.recordRefusedCall(
                  part.toolName,
                  part.toolCallId,
                  part.input,
                  errorText(part.error),
                );
              }
            }
          },
        });
        text = result.text;
        // Handed to the ledger, not awaited: the last steps share a batch with the outcome.
        session.submit();
      } catch (error) {
        await session.flush().catch(() => undefined);
        failure = errorText(error);
      }

      if (session.parked && failure === undefined) {
        const { cost, write } = await settlement(
          ticket,
          reservation.id,
          session.costUnits,
          'parked',
        );
        await Promise.all([session.flush(), write()]);
        await parts.ledger.append({
          type: RUN_RECORD_TYPES.runParked,
          body: {
            runId: ticket.runId,
            step: session.parked.step,
            waitingOn: session.parked.waitingOn,
            why: session.parked.why,
            cost,
          },
        });
        return {
          status: 'parked',
          cost,
          steps: session.steps.length,
          waitingOn: session.parked.waitingOn,
        };
      }

      if (openingError !== undefined) {
        await session.flush().catch(() => undefined);
        // The run could not be started (or resumed) in the ledger: it is not this execution's
        // to finish. Nothing it did is recorded; its reservation is given back.
        if (reservation.id && !ticket.reservationId)
          await parts.treasury.release(reservation.id, `run ${ticket.runId} could not start`);
        return {
          status: 'failed',
          cost: '0',
          steps: recorded.steps.length,
          error: `run ${ticket.runId} could not start: ${errorText(openingError)}`,
        };
      }
      const status = failure === undefined ? 'succeeded' : 'failed';
      const { cost, write } = await settlement(ticket, reservation.id, session.costUnits, status);
      const parsedCost = parseCost(cost);
      const totalUnits = previousCost + (parsedCost.ok ? parsedCost.value : 0n);
      const summary = text.slice(0, SUMMARY_CHARS);
      // The last steps, the settlement, the outcome and the episode are independent writes:
      // done together, the steps and the outcome sharing the ledger's fsync.
      const flushed = session.flush().then(
        () => undefined,
        (error: unknown) => error ?? new Error('a step could not be recorded'),
      );
      await Promise.all([
        flushed,
        write(),
        parts.ledger.finishRun(ticket.runId, {
          runId: ticket.runId,
          member: member.role,
          status,
          cost: formatCost(totalUnits),
          steps: session.steps.length,
          ...(failure !== undefined ? { error: failure } : {}),
          ...(summary ? { summary } : {}),
        }),
        writeEpisode(
          member,
          ticket,
          status,
          failure !== undefined ? `${member.role} run failed: ${failure}` : summary,
          cost,
          session.steps.length,
        ),
      ]);
      const unrecorded = await flushed;
      if (unrecorded !== undefined)
        return {
          status: 'failed',
          cost,
          steps: session.steps.length,
          error: `the run's last steps could not be recorded: ${errorText(unrecorded)}`,
        };
      return {
        status,
        cost,
        steps: session.steps.length,
        ...(failure !== undefined ? { error: failure } : {}),
      };
    },
  };
}
