import { canonicalJson } from '@karnel/core';
import type { RuntimeParts } from '@karnel/runtime';

/** A structured message between members (`Message` of `@karnel/coordination`). */
export type RunRecordMessage = Parameters<RuntimeParts['coordinator']['send']>[0];
/** A memory episode to append (`EpisodeInput` of `@karnel/memory`). */
export type RunRecordEpisode = Parameters<ReturnType<RuntimeParts['memoryOf']>['appendEpisode']>[0];
/** An approval request (`NewApprovalRequest` of `@karnel/policy`), without a signer. */
export type RunRecordApprovalRequest = Omit<
  Parameters<RuntimeParts['approvals']['request']>[0],
  'requester'
>;
/** A group spend (`SpendInput` of `@karnel/treasury`), without a time (the coordinator's clock). */
export type RunRecordSpend = Omit<Parameters<RuntimeParts['treasury']['recordSpend']>[0], 'at'>;

/**
 * One write a run makes to its group directory besides its steps, as an executor sends it to
 * the coordinator (which applies it as the directory's only writer). The run's lifecycle —
 * started, resumed, parked, finished — and its money are not records: the coordinator writes
 * them itself from the run's `start`, `step` and `finish` messages.
 */
export type RunRecord =
  | {
      /** A structured message to another member (`send_message`, `ask_owner`, a result). */
      readonly op: 'message';
      /** The message, id and all, as the run made it. */
      readonly message: RunRecordMessage;
    }
  | {
      /** An episode written to a member's memory (`remember`, the run's closing episode). */
      readonly op: 'episode';
      /** The member whose memory it goes to (absent: the group's). */
      readonly role?: string;
      /** The episode. */
      readonly episode: RunRecordEpisode;
    }
  | {
      /** A tool call that needs the owner's approval: a request in the signed queue. */
      readonly op: 'approval.request';
      /** The request (without a signer: the coordinator's queue records it). */
      readonly request: RunRecordApprovalRequest;
    }
  | {
      /** An approved tool call being carried out: the approval is used, once. */
      readonly op: 'approval.use';
      /** The approval's id. */
      readonly id: string;
      /** The exact action, as approved. */
      readonly action: unknown;
      /** The capability, and the actor carrying it out. */
      readonly expected: {
        /** The capability the approval was asked for. */
        readonly capability: string;
        /** Who carries it out (the run's member). */
        readonly actor?: string;
      };
    }
  | {
      /** Group money spent by a tool call (`spend`), not inference (settled by the coordinator). */
      readonly op: 'spend';
      /** What was spent. */
      readonly spend: RunRecordSpend;
    }
  | {
      /** A record a skill's worker (`skill.*`) or a foreign member's adapter (`adapter.*`) appends to the ledger. */
      readonly op: 'ledger.append';
      /** The record. */
      readonly record: {
        /** The record type (`skill.*` or `adapter.*`). */
        readonly type: string;
        /** The record's body. */
        readonly body: Record<string, unknown>;
      };
    };

/** What the coordinator knows when it applies a record. */
export interface RunRecordContext {
  /** The run the record belongs to. */
  readonly runId: string;
  /** The member the run belongs to. */
  readonly member: string;
  /**
   * True for the first message the coordinator handles after a start: it may have applied it
   * before it was killed without answering it, so the applier looks for an earlier application
   * first (a message with the same id, an identical episode, spend or pending approval).
   */
  readonly maybeApplied: boolean;
}

/**
 * Applies one {@link RunRecord} to the group directory and returns the answer the executor
 * gets back (JSON). Throwing refuses the record: the executor's call fails with the message.
 */
export type RunRecordApplier = (
  record: RunRecord,
  context: RunRecordContext,
) => Promise<Record<string, unknown>>;

/** Ledger record type prefixes an executor may append through `ledger.append`. */
const APPENDABLE = ['skill.', 'adapter.'];

/** Makes a value JSON: bigints become decimal text, undefined fields disappear. */
export function toJson(value: unknown): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(value ?? {}, (_key, item) =>
      typeof item === 'bigint' ? item.toString() : item,
    ),
  ) as Record<string, unknown>;
}

function same(a: unknown, b: unknown): boolean {
  return (
    canonicalJson(toJson({ value: a }) as never) === canonicalJson(toJson({ value: b }) as never)
  );
}

/**
 * The local application of run records: what the run loop does in one process, done by the
 * coordinator over its own runtime parts (`openRuntimeParts(<group dir>)` of `@karnel/runtime`). Messages go
 * through the group's coordination protocol (a route it refuses is refused), episodes to the
 * member's memory, approvals to the signed queue, spends to the treasury (its limits apply),
 * and only `skill.*` and `adapter.*` records to the ledger directly: an executor cannot write
 * an approval, spend, run or safe-mode record of its own, and a run acts only as its member
 * (its messages are from it, its episodes go to its memory, its approvals are asked by it).
 */
export function createRunRecordApplier(parts: RuntimeParts): RunRecordApplier {
  return async (record, context) => {
    switch (record.op) {
      case 'message': {
        if (record.message.from !== context.member)
          throw new Error(
            `a run of ${context.member} cannot send a message from ${String(record.message.from)}`,
          );
        if (context.maybeApplied) {
          const history = await parts.coordinator.history();
          if (history.some((sent) => sent.id === record.message.id)) return { archived: true };
        }
        return toJson(await parts.coordinator.send(record.message));
      }
      case 'episode': {
        if (record.role !== context.member)
          throw new Error(
            `a run of ${context.member} cannot write to the memory of ${record.role ?? 'the group'}`,
          );
        const store = parts.memoryOf(record.role);
        if (context.maybeApplied) {
          const earlier = (await store.readEpisodes({ order: 'desc', limit: 50 })).find(
            (episode) =>
              episode.kind === record.episode.kind &&
              episode.text === record.episode.text &&
              same(episode.data, record.episode.data),
          );
          if (earlier) return toJson(earlier);
        }
        return toJson(await store.appendEpisode(record.episode));
      }
      case 'approval.request': {
        if (record.request.actor !== context.member)
          throw new Error(
            `a run of ${context.member} cannot ask on behalf of ${record.request.actor}`,
          );
        if (context.maybeApplied) {
          const earlier = (await parts.approvals.list({ status: 'pending' })).find(
            (request) =>
              request.actor === record.request.actor &&
              request.capability === record.request.capability &&
              same(request.action, record.request.action),
          );
          if (earlier) return toJson(earlier);
        }
        return toJson(await parts.approvals.request(record.request));
      }
      case 'approval.use': {
        if (record.expected.actor !== undefined && record.expected.actor !== context.member)
          throw new Error(`a run of ${context.member} cannot act as ${record.expected.actor}`);
        return toJson(
          await parts.approvals.use(record.id, record.action, {
            capability: record.expected.capability,
            actor: context.member,
          }),
        );
      }
      case 'spend': {
        if (record.spend.run !== undefined && record.spend.run !== context.runId)
          throw new Error(`run ${context.runId} cannot spend for run ${record.spend.run}`);
        if (context.maybeApplied && record.spend.description !== undefined) {
          const earlier = (await parts.treasury.readRecords()).records.find(
            (entry) =>
              entry.type === 'spend.recorded' &&
              entry.description === record.spend.description &&
              entry.run === context.runId,
          );
          if (earlier) return { recorded: 'earlier' };
        }
        await parts.treasury.recordSpend({ ...record.spend, run: context.runId });
        return { recorded: 'now' };
      }
      case 'ledger.append': {
        const { type, body } = record.record;
        if (!APPENDABLE.some((prefix) => type.startsWith(prefix)))
          throw new Error(`an executor may not append ${type} records to the group ledger`);
        const entry = await parts.ledger.append({ type, body });
        return toJson(entry);
      }
      default:
        throw new Error(
          `unknown run record "${String((record as { op?: unknown }).op)}": this coordinator is older than the executor`,
        );
    }
  };
}
