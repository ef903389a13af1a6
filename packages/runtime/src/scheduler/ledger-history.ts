import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { safeParseMessage } from '@karnel/coordination';
import { parseYaml } from '@karnel/core';
import { type LedgerEntry, readLedgerEntries } from '@karnel/ledger';

const CHAIN_FILE = 'chain.jsonl';

import { createOwnerTracker } from '../lifecycle/owner-signed-entries';
import { createReviewHistory, type ReviewHistory } from '../review/review-history';
import { RUN_RECORD_TYPES } from '../run-records';
import { readCommitted } from './read-committed';

/** Where a run stands, as the ledger tells it. */
export type RunState = 'running' | 'parked' | 'succeeded' | 'failed' | 'abandoned';

/** One run, folded from its ledger entries. */
export interface RunSummary {
  /** The run's id. */
  readonly runId: string;
  /** The member that ran it (`member` of the run's manifest). */
  member: string;
  /** Where it stands now. */
  state: RunState;
  /** Seq of its `run.started` entry (the first one, for a resumed run). */
  readonly startedSeq: number;
  /** When it started. */
  readonly startedAt: string;
  /** When it last ended, parked or finished. */
  endedAt?: string;
  /** Steps recorded so far. */
  steps: number;
  /** Exact cost, as the outcome states it. */
  cost?: string;
  /** When parked: the approval request or message id it waits on. */
  waitingOn?: string;
  /** Seq of the `run.parked` entry, when parked. */
  parkedSeq?: number;
  /** When failed or abandoned: why. */
  error?: string;
  /** The treasury reservation of its latest execution (`run.started` or `run.resumed`). */
  reservationId?: string;
  /** True for a scheduled review's run (woken by a `review` reason): not the member's own work. */
  review?: boolean;
}

/** Something addressed to a member that a run of it has not yet seen. */
export interface PendingItem {
  /** The ledger seq of the entry that carries it. */
  readonly seq: number;
  /** `message`, `escalation` or `manual`. */
  readonly kind: 'message' | 'escalation' | 'manual';
  /** The message id, or `wake.requested#<seq>`. */
  readonly ref: string;
  /** The sender's role, for messages. */
  readonly from?: string;
  /** One line: what it is. */
  readonly detail: string;
  /** When it was recorded. */
  readonly at: string;
}

/** What the ledger says about one member. */
export interface MemberHistory {
  /** The member's role. */
  readonly role: string;
  /** Seq of the last fresh `run.started` or `run.refused` of the member. */
  lastAttemptSeq: number;
  /** When that attempt was recorded. */
  lastAttemptAt?: string;
  /** Failed runs in a row (a success resets it). */
  consecutiveFailures: number;
  /**
   * Paused by the circuit breaker or the owner: a `member.paused` without a later
   * `member.resumed` signed by the owner in force (an unsigned or otherwise signed resume is
   * ignored).
   */
  paused: boolean;
  /** Why it was paused. */
  pausedWhy?: string;
  /** Messages, escalations and manual wakes no run of the member has been given yet. */
  pending: PendingItem[];
}

/** An approval answer recorded in the ledger. */
export interface ApprovalAnswer {
  /** Seq of the answer's entry. */
  readonly seq: number;
  /** `approved` or `denied`. */
  readonly answer: 'approved' | 'denied';
  /** When it was recorded. */
  readonly at: string;
}

/**
 * The runtime's view of the group ledger, kept up to date incrementally: runs, what each member
 * has not seen yet, pauses and approval answers. Reading the ledger is the only way the
 * scheduler learns what happened, so a restarted runtime knows exactly what the last one knew.
 */
export interface LedgerHistory {
  /** The ledger folder. */
  readonly dir: string;
  /** Number of entries folded so far (the next seq to read). */
  readonly size: number;
  /** Runs by id, in start order. */
  readonly runs: ReadonlyMap<string, RunSummary>;
  /** Members by role (only members the ledger has mentioned). */
  readonly members: ReadonlyMap<string, MemberHistory>;
  /** Approval answers by approval id. */
  readonly approvals: ReadonlyMap<string, ApprovalAnswer>;
  /** Open approval requests (asked, not answered) by id. */
  readonly pendingApprovals: ReadonlySet<string>;
  /**
   * Whether the last safe-mode record is `safe_mode.entered`. The scheduler starts no new run
   * then; whether an exit really was signed by the owner is checked by the policy gate every
   * tool call goes through, so a forged exit record starts runs that park at once.
   */
  readonly safeMode: boolean;
  /**
   * Reads the entries appended since the last call. When the chain file's size and time have
   * not changed, returns at once without reading it: an idle tick costs one `stat`.
   *
   * @returns whether anything new was read.
   * @throws LedgerIntegrityError (from `@karnel/ledger`) when the chain does not verify.
   */
  refresh(): Promise<boolean>;
  /** The member's history, created empty when the ledger has not mentioned it yet. */
  member(role: string): MemberHistory;
  /** The scheduled reviews' view: for each, the last review and what changed since. */
  readonly reviews: ReviewHistory;
  /** When the curator last made a pass over the skill library (`curator.pass`), if ever. */
  readonly curatorPassAt: string | undefined;
  /**
   * The seq of the last entry that can change the group's run state (`group.*`, `member.*`,
   * `migration.*`, an owner record), or -1: while it stays the same, so does the state.
   */
  readonly lifecycleSeq: number;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

async function committedJson(dir: string, entry: LedgerEntry, name: string) {
  const digest = entry.files.find((file) => file.path.endsWith(name));
  if (!digest) return undefined;
  const bytes = await readCommitted(dir, digest, entry);
  try {
    return record(JSON.parse(bytes.toString('utf8')));
  } catch {
    return undefined;
  }
}

async function committedYaml(dir: string, entry: LedgerEntry, name: string) {
  const digest = entry.files.find((file) => file.path.endsWith(name));
  if (!digest) return undefined;
  const bytes = await readCommitted(dir, digest, entry);
  const document = parseYaml(bytes.toString('utf8'), digest.path);
  return record(document.value);
}

/** Opens the history of the ledger in `dir` (nothing is read until {@link LedgerHistory.refresh}). */
export function createLedgerHistory(dir: string): LedgerHistory {
  const runs = new Map<string, RunSummary>();
  const members = new Map<string, MemberHistory>();
  const approvals = new Map<string, ApprovalAnswer>();
  const pendingApprovals = new Set<string>();
  let size = 0;
  let seen: string | undefined;
  let safeMode = false;
  let curatorPassAt: string | undefined;
  let lifecycleSeq = -1;
  const owners = createOwnerTracker();
  const reviews = createReviewHistory();

  const member = (role: string): MemberHistory => {
    let history = members.get(role);
    if (!history) {
      history = { role, lastAttemptSeq: -1, consecutiveFailures: 0, paused: false, pending: [] };
      members.set(role, history);
    }
    return history;
  };

  // A run (or a refusal) has seen exactly the reasons it lists; a record without a list has
  // seen everything addressed to the member before it.
  const consume = (role: string, entry: LedgerEntry, reasons: unknown) => {
    const history = member(role);
    if (Array.isArray(reasons)) {
      const refs = new Set(reasons.map((reason) => text(record(reason)?.ref)).filter(Boolean));
      history.pending = history.pending.filter((item) => !refs.has(item.ref));
    } else history.pending = history.pending.filter((item) => item.seq > entry.seq);
  };
  const attempt = (role: string, entry: LedgerEntry, reasons: unknown) => {
    const history = member(role);
    history.lastAttemptSeq = entry.seq;
    history.lastAttemptAt = entry.time;
    consume(role, entry, reasons);
  };

  const apply = async (entry: LedgerEntry) => {
    const body = entry.body;
    reviews.observe(entry);
    if (entry.type === 'curator.pass') curatorPassAt = entry.time;
    if (/^(group|member|migration)\./.test(entry.type)) lifecycleSeq = entry.seq;
    if (owners.observe(entry)) {
      lifecycleSeq = entry.seq;
      return;
    }
    switch (entry.type) {
      case RUN_RECORD_TYPES.runStarted: {
        const runId = text(body.run_id) ?? text(body.runId);
        if (!runId) return;
        const manifest = text(body.member)
          ? body
          : await committedJson(dir, entry, 'manifest.json');
        const role = text(manifest?.member) ?? text(manifest?.role);
        const resumed = manifest?.resumed === true;
        const reservationId = text(manifest?.reservationId);
        // A scheduled review's run is not an attempt at the member's own work (its cadence).
        const review =
          Array.isArray(manifest?.reasons) &&
          manifest.reasons.some((reason) => record(reason)?.kind === 'review');
        const existing = runs.get(runId);
        if (existing) {
          if (reservationId) existing.reservationId = reservationId;
          existing.state = 'running';
          existing.waitingOn = undefined;
          existing.parkedSeq = undefined;
          return;
        }
        runs.set(runId, {
          runId,
          member: role ?? '?',
          state: 'running',
          startedSeq: entry.seq,
          startedAt: entry.time,
          steps: 0,
          ...(reservationId ? { reservationId } : {}),
          ...(review ? { review } : {}),
        });
        if (review) return;
        if (role && !resumed) attempt(role, entry, manifest?.reasons);
        else if (role) consume(role, entry, manifest?.reasons ?? []);
        return;
      }
      case 'run.resumed': {
        const run = runs.get(text(body.run_id) ?? text(body.runId) ?? '');
        if (run) {
          run.state = 'running';
          run.waitingOn = undefined;
          run.parkedSeq = undefined;
          const reservationId = text(body.reservationId);
          if (reservationId) run.reservationId = reservationId;
          consume(run.member, entry, body.reasons ?? []);
        }
        return;
      }
      case RUN_RECORD_TYPES.runStep: {
        const run = runs.get(text(body.run_id) ?? text(body.runId) ?? '');
        if (run) run.steps += 1;
        return;
      }
      case RUN_RECORD_TYPES.runParked: {
        const run = runs.get(text(body.run_id) ?? text(body.runId) ?? '');
        if (!run) return;
        run.state = 'parked';
        run.waitingOn = text(body.waitingOn) ?? text(body.waiting_on);
        run.parkedSeq = entry.seq;
        run.endedAt = entry.time;
        return;
      }
      case RUN_RECORD_TYPES.runFinished: {
        const run = runs.get(text(body.run_id) ?? text(body.runId) ?? '');
        if (!run) return;
        const outcome = text(body.status) ? body : await committedYaml(dir, entry, 'outcome.yaml');
        const status = text(outcome?.status);
        run.state =
          status === 'succeeded' || status === 'abandoned' || status === 'failed'
            ? status
            : 'failed';
        run.endedAt = entry.time;
        run.waitingOn = undefined;
        if (typeof body.steps === 'number') run.steps = body.steps;
        const cost = outcome?.cost;
        if (typeof cost === 'string' || typeof cost === 'number') run.cost = String(cost);
        const error = text(outcome?.error);
        if (error) run.error = error;
        const history = member(run.member);
        if (run.state === 'failed') history.consecutiveFailures += 1;
        else if (run.state === 'succeeded') history.consecutiveFailures = 0;
        return;
      }
      case RUN_RECORD_TYPES.runRefused: {
        const role = text(body.member);
        if (role) attempt(role, entry, body.reasons);
        return;
      }
      case RUN_RECORD_TYPES.wakeRequested: {
        const role = text(body.member);
        const reason = record(body.reason);
        if (!role) return;
        member(role).pending.push({
          seq: entry.seq,
          kind: 'manual',
          ref: `wake.requested#${entry.seq}`,
          detail: text(reason?.detail) ?? 'asked for',
          at: entry.time,
        });
        return;
      }
      case RUN_RECORD_TYPES.memberPaused:
      case RUN_RECORD_TYPES.memberResumed: {
        const role = text(body.member);
        if (!role) return;
        // Only the owner lifts a pause: a resume anyone with write access could append counts
        // only when the owner in force signed it. Pausing is fail-safe and needs no signature.
        if (entry.type === RUN_RECORD_TYPES.memberResumed && !owners.signedByOwner(entry)) return;
        const history = member(role);
        history.paused = entry.type === RUN_RECORD_TYPES.memberPaused;
        history.pausedWhy = history.paused ? text(body.why) : undefined;
        if (!history.paused) history.consecutiveFailures = 0;
        return;
      }
      case 'coordination.logged': {
        const digest = entry.files[0];
        if (!digest) return;
        const bytes = await readCommitted(dir, digest, entry);
        let value: unknown;
        try {
          value = JSON.parse(bytes.toString('utf8'));
        } catch {
          return;
        }
        const parsed = safeParseMessage(value);
        if (!parsed.ok) return;
        const message = parsed.value;
        const to = typeof message.to === 'string' ? [message.to] : message.to;
        for (const role of to) {
          // A member's own message never wakes it.
          if (role === message.from) continue;
          member(role).pending.push({
            seq: entry.seq,
            kind: message.type === 'escalation' ? 'escalation' : 'message',
            ref: message.id,
            from: message.from,
            detail: `${message.type} ${message.id} from ${message.from}`,
            at: entry.time,
          });
        }
        return;
      }
      case 'safe_mode.entered':
      case 'safe_mode.exited':
        safeMode = entry.type === 'safe_mode.entered';
        return;
      case 'approval.requested': {
        const id = text(body.approval_id);
        if (id && !approvals.has(id)) pendingApprovals.add(id);
        return;
      }
      case 'approval.approved':
      case 'approval.denied': {
        const id = text(body.approval_id);
        if (!id || approvals.has(id)) return;
        pendingApprovals.delete(id);
        approvals.set(id, {
          seq: entry.seq,
          answer: entry.type === 'approval.approved' ? 'approved' : 'denied',
          at: entry.time,
        });
        return;
      }
      case 'approval.cancelled':
      case 'approval.expired':
      case 'approval.revoked': {
        const id = text(body.approval_id);
        if (id) pendingApprovals.delete(id);
        return;
      }
      default:
    }
  };

  return {
    dir,
    get size() {
      return size;
    },
    get safeMode() {
      return safeMode;
    },
    get curatorPassAt() {
      return curatorPassAt;
    },
    get lifecycleSeq() {
      return lifecycleSeq;
    },
    runs,
    members,
    approvals,
    pendingApprovals,
    member,
    reviews,
    async refresh() {
      let signature: string;
      try {
        const info = await stat(join(dir, CHAIN_FILE));
        signature = `${info.size}:${info.mtimeMs}:${info.ino}`;
      } catch {
        signature = '-';
      }
      if (signature === seen) return false;
      if (signature === '-') {
        seen = signature;
        return false;
      }
      let read = false;
      for await (const entry of readLedgerEntries(dir, { fromSeq: size })) {
        await apply(entry);
        size = entry.seq + 1;
        read = true;
      }
      seen = signature;
      return read;
    },
  };
}
