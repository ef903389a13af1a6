import { join } from 'node:path';
import {
  type Clock,
  type CommittedEntry,
  type LedgerPort,
  readFileInside,
  systemClock,
} from '@karnel/core';
import {
  dueForReview,
  type Goal,
  type GoalProgress,
  type GoalsFile,
  loadGoals,
  type ReviewDue,
  rollUpProgress,
} from '@karnel/goals';
import { type LedgerEntry, openLedger, type VerifyReport, verifyLedger } from '@karnel/ledger';
import { type GroupManifest, type ResolvedMember, validateGroupDir } from '@karnel/manifest';
import { createMemory, type SearchResult } from '@karnel/memory';
import {
  type ApprovalRequest,
  openPolicyDirectory,
  type PolicyDirectory,
  type SafeModeStatus,
} from '@karnel/policy';
import { createOwnerTracker, RUN_RECORD_TYPES } from '@karnel/runtime';
import { discoverSkills, type Skill } from '@karnel/skills';
import {
  computeBalances,
  formatBalanceAmount,
  loadTreasuryConfig,
  readTreasuryRecords,
  type TreasuryBalances,
  type TreasuryConfig,
} from '@karnel/treasury';
import { parse as parseYaml } from 'yaml';
import { LedgerCache, type LedgerSnapshot } from './ledger-snapshot';
import { enrichRun, foldRuns, type RunFiles, type RunSummary, readRunFiles } from './runs-view';

/** A section of a page that could not be read: what and why, shown instead of its content. */
export interface SectionProblem {
  /** What could not be read (`goals/current.yaml`, `the approval queue` …). */
  readonly what: string;
  /** Why, one sentence or a diagnostic list. */
  readonly message: string;
}

/** Either a section's data or the reason it is missing: never an empty success. */
export type Section<T> =
  | {
      /** The section was read. */
      readonly ok: true;
      /** What the section holds. */
      readonly value: T;
    }
  | ({
      /** The section could not be read; the problem says why. */
      readonly ok: false;
    } & SectionProblem);

async function section<T>(what: string, read: () => Promise<T>): Promise<Section<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, what, message: error instanceof Error ? error.message : String(error) };
  }
}

/** The group as its manifest describes it. */
export interface GroupInfo {
  /** The group's name (its directory when the manifest cannot be read). */
  readonly name: string;
  /** The validated manifest, when it has no errors that prevent reading it. */
  readonly manifest?: GroupManifest;
  /** Members, resolved to their files and agent directories. */
  readonly members: readonly ResolvedMember[];
  /** Errors found while validating, `file:line:column: message` each. */
  readonly problems: readonly string[];
}

/** A member as the org chart shows it. */
export interface OrgMember {
  /** The member's role. */
  readonly role: string;
  /** `native`, `foreign` or `human`. */
  readonly badge: 'native' | 'foreign' | 'human';
  /** The member's model class (tier), when the manifest names one. */
  readonly tier?: string;
  /** The member's cadence, when declared. */
  readonly cadence?: string;
  /** The roles that dispatch work to this member (coordination protocol). */
  readonly reportsTo: readonly string[];
  /** Whether the runtime or the owner paused the member (latest `member.paused`/`resumed`). */
  readonly paused?: {
    /** Why the member was paused. */
    readonly why: string;
    /** When it was paused (ISO time of the `member.paused` entry). */
    readonly at: string;
  };
  /** The member's latest run, when there is one. */
  readonly lastRun?: RunSummary;
  /** Consecutive failed runs at the end of its history. */
  readonly failing: number;
  /** When the member wakes next and why, as far as the ledger and its cadence tell. */
  readonly nextWake: {
    /** When the member wakes next (ISO time), when it is known. */
    readonly at?: string;
    /** Why it wakes then, or what it waits for. */
    readonly why: string;
  };
  /** Queued wakes (`wake.requested` after its latest run start), with their reasons. */
  readonly queued: readonly {
    /** The kind of wake reason (`manual`, `message`, …). */
    readonly kind: string;
    /** What the wake reason says. */
    readonly detail: string;
    /** When the wake was requested (ISO time of the ledger entry). */
    readonly at: string;
  }[];
}

/** An escalation found in the ledger, with the message it carried when there is one. */
export interface EscalationView {
  /** The ledger entry (`coordination.logged`, `wake.requested` …). */
  readonly entry: LedgerEntry;
  /** Who escalated. */
  readonly from?: string;
  /** To whom. */
  readonly to?: string;
  /** The condition and reason, or the wake's detail. */
  readonly summary: string;
}

/** A run the runtime refused to start (`run.refused`: it could not be paid for). */
export interface RefusedRun {
  /** The ledger entry's seq. */
  readonly seq: number;
  /** When. */
  readonly at: string;
  /** The member that would have run. */
  readonly member: string;
  /** Why, one sentence. */
  readonly why: string;
  /** The amount it would have needed, when known. */
  readonly amount?: string;
}

/** A budget line at or above 80 % of its limit. */
export interface BudgetAlert {
  /** What the budget is (`week`, `month`, `model class frontier-reasoning`). */
  readonly what: string;
  /** Spent (and reserved) so far, formatted. */
  readonly spent: string;
  /** The budget, formatted. */
  readonly budget: string;
  /** Percent used, rounded down. */
  readonly percent: number;
  /** `warning` from 80 %, `exceeded` from 100 %. */
  readonly level: 'warning' | 'exceeded';
}

/** The budgets page's data. */
export interface BudgetsView {
  /** Currency code. */
  readonly currency: string;
  /** Balances now. */
  readonly balances: TreasuryBalances;
  /** The treasury config (gates, budgets). */
  readonly config: TreasuryConfig;
  /** Lines at 80 % and above. */
  readonly alerts: readonly BudgetAlert[];
  /** Formats minor units. */
  readonly format: (minor: bigint) => string;
}

/** A goal with its roll-up. */
export interface GoalRow {
  /** The goal. */
  readonly goal: Goal;
  /** Depth in the tree, 0 at the top. */
  readonly depth: number;
  /** Its owner role, inherited from its parent when it names none. */
  readonly owner?: string;
  /** Its rolled-up progress. */
  readonly progress?: GoalProgress;
}

/** An approval request with the run it parked, when a `run.parked` record names it. */
export interface ApprovalView {
  /** The request, as the ledger-checked queue returns it. */
  readonly request: ApprovalRequest;
  /** The run waiting on it. */
  readonly runId?: string;
}

/** A skill with where it was found. */
export interface SkillView {
  /** The member whose skills folder holds it. */
  readonly member: string;
  /** The skill. */
  readonly skill: Skill;
}

/**
 * Reads everything the dashboard shows from a group directory, through the packages that own
 * each part: the manifest, the hash-chained ledger (cached until it changes), the signed
 * approval queue and safe mode, goals, treasury, memory and skills. It never writes.
 */
export class GroupReader {
  /** The group's ledger folder. */
  readonly ledgerDir: string;
  private readonly cache: LedgerCache;
  private readonly runFiles = new Map<string, { version: string; files: RunFiles }>();
  private opening: Promise<void> = Promise.resolve();
  private readonly memos = new Map<
    string,
    { version: string; bucket: number; value: Promise<unknown>; refreshing?: boolean }
  >();

  constructor(
    /** The group directory. */
    readonly dir: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.ledgerDir = join(dir, 'ledger');
    this.cache = new LedgerCache(this.ledgerDir);
  }

  /**
   * Computes a view once per ledger state: `name`'s result is reused until the chain changes
   * (or `extra`, e.g. the current minute for budget periods, does). Files outside the ledger
   * that a view reads (manifests, goals) are re-read at least every few seconds.
   */
  private async memo<T>(name: string, compute: () => Promise<T>, extra = ''): Promise<T> {
    const snapshot = await this.snapshot();
    const version = `${snapshot.version}|${extra}`;
    const bucket = Math.floor(this.clock.now().getTime() / 5000);
    const cached = this.memos.get(name);
    if (cached?.version === version) {
      // The ledger is unchanged: only the files around it may have. Serve what we have and
      // refresh it in the background, so no request waits for the periodic re-read.
      if (cached.bucket !== bucket && !cached.refreshing) {
        cached.refreshing = true;
        compute().then(
          (value) => {
            if (this.memos.get(name) === cached)
              this.memos.set(name, { version, bucket, value: Promise.resolve(value) });
          },
          () => {
            cached.refreshing = false;
          },
        );
      }
      return cached.value as Promise<T>;
    }
    const value = compute();
    this.memos.set(name, { version, bucket, value });
    value.catch(() => {
      if (this.memos.get(name)?.value === value) this.memos.delete(name);
    });
    return value;
  }

  /** The ledger as it is now (cached until `chain.jsonl` changes). */
  snapshot(): Promise<LedgerSnapshot> {
    return this.cache.snapshot();
  }

  /**
   * A `LedgerPort` over the cached entries for reads; appends go to the real ledger (the policy
   * package pins the owner on first open). The dashboard's own writes use {@link GroupActions}.
   */
  private port(): LedgerPort {
    const cache = this.cache;
    const ledgerDir = this.ledgerDir;
    return {
      async *entries(): AsyncIterable<CommittedEntry> {
        const snapshot = await cache.snapshot();
        if (snapshot.problem && snapshot.entries.length > 0) throw new Error(snapshot.problem);
        yield* snapshot.entries as readonly CommittedEntry[];
      },
      async append(record) {
        const ledger = await openLedger(ledgerDir);
        try {
          return await ledger.append(record as { type: string; body: Record<string, unknown> });
        } finally {
          await ledger.close();
        }
      },
    };
  }

  /** The policy side of the group (approval queue, safe mode) over the cached ledger. */
  policy(): Promise<PolicyDirectory> {
    // One at a time: the first open of a group pins its owner in the ledger, and two
    // concurrent first opens would both pin it.
    const opened = this.opening.then(() =>
      openPolicyDirectory(this.dir, { ledger: this.port(), clock: this.clock }),
    );
    this.opening = opened.then(
      () => undefined,
      () => undefined,
    );
    return opened;
  }

  /** The group's name, members and diagnostics. Computed once per ledger state. */
  group(): Promise<GroupInfo> {
    return this.memo('group', () => this.computeGroup());
  }

  /** The group's name, members and diagnostics. */
  private async computeGroup(): Promise<GroupInfo> {
    const validation = await validateGroupDir(this.dir);
    const errors = validation.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    return {
      name: validation.manifest?.group.name ?? this.dir,
      ...(validation.manifest ? { manifest: validation.manifest } : {}),
      members: validation.members,
      problems: errors.map(
        (diagnostic) =>
          `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.message}`,
      ),
    };
  }

  /** Every run, newest first, with member, tier and reasons from the run's files. Computed once per ledger state. */
  runs(): Promise<RunSummary[]> {
    return this.memo('runs', () => this.computeRuns());
  }

  /** Every run, newest first, with member, tier and reasons from the run's files. */
  private async computeRuns(): Promise<RunSummary[]> {
    const snapshot = await this.snapshot();
    const runs = foldRuns(snapshot.entries);
    return Promise.all(runs.map((run) => this.enrich(run)));
  }

  private async enrich(run: RunSummary): Promise<RunSummary> {
    const version = `${run.seqs.length}`;
    const cached = this.runFiles.get(run.runId);
    if (cached?.version === version) return enrichRun(run, cached.files);
    const files = await readRunFiles(this.ledgerDir, run.runId);
    this.runFiles.set(run.runId, { version, files });
    return enrichRun(run, files);
  }

  /** One run with its files and raw entries, or `undefined` when the ledger has no such run. */
  async run(runId: string): Promise<
    | {
        /** The run as folded from the ledger. */
        summary: RunSummary;
        /** The run's files under `runs/<id>/`. */
        files: RunFiles;
        /** The ledger entries that belong to the run. */
        entries: LedgerEntry[];
      }
    | undefined
  > {
    const snapshot = await this.snapshot();
    const summary = foldRuns(snapshot.entries).find((run) => run.runId === runId);
    if (!summary) return undefined;
    const files = await readRunFiles(this.ledgerDir, runId);
    const seqs = new Set(summary.seqs);
    return {
      summary: enrichRun(summary, files),
      files,
      entries: snapshot.entries.filter((entry) => seqs.has(entry.seq)),
    };
  }

  /** The org chart: members with badges, tiers, cadences, reporting lines and run state. Computed once per ledger state. */
  org(): Promise<OrgMember[]> {
    return this.memo('org', () => this.computeOrg());
  }

  /** The org chart: members with badges, tiers, cadences, reporting lines and run state. */
  private async computeOrg(): Promise<OrgMember[]> {
    const [group, runs, snapshot, protocol] = await Promise.all([
      this.group(),
      this.runs(),
      this.snapshot(),
      this.protocol(),
    ]);
    const manifest = group.manifest;
    const paused = new Map<string, { why: string; at: string }>();
    const wakes = new Map<string, { kind: string; detail: string; at: string; seq: number }[]>();
    // Only the owner resumes a paused member, as the scheduler reads it: an unsigned
    // `member.resumed` does not count here either.
    const owner = createOwnerTracker();
    for (const entry of snapshot.entries) {
      if (owner.observe(entry)) continue;
      const member = typeof entry.body.member === 'string' ? entry.body.member : undefined;
      if (!member) continue;
      if (entry.type === RUN_RECORD_TYPES.memberPaused)
        paused.set(member, { why: String(entry.body.why ?? ''), at: entry.time });
      else if (entry.type === RUN_RECORD_TYPES.memberResumed) {
        if (owner.signedByOwner(entry)) paused.delete(member);
      } else if (entry.type === RUN_RECORD_TYPES.wakeRequested) {
        const reason = (entry.body.reason ?? {}) as Record<string, unknown>;
        const list = wakes.get(member) ?? [];
        list.push({
          kind: String(reason.kind ?? 'manual'),
          detail: String(reason.detail ?? ''),
          at: entry.time,
          seq: entry.seq,
        });
        wakes.set(member, list);
      }
    }
    return group.members.map((member) => {
      const entry = manifest?.members[member.index] as Record<string, unknown> | undefined;
      const memberRuns = runs.filter((run) => run.member === member.role);
      const lastRun = memberRuns[0];
      let failing = 0;
      for (const run of memberRuns) {
        if (run.state === 'failed') failing += 1;
        else if (run.state !== 'running' && run.state !== 'parked') break;
      }
      const contract = member.member?.membership?.contract as Record<string, unknown> | undefined;
      const cadence =
        (typeof entry?.cadence === 'string' ? entry.cadence : undefined) ??
        (typeof contract?.cadence === 'string' ? contract.cadence : undefined);
      const tier = typeof entry?.model_class === 'string' ? entry.model_class : undefined;
      const queued = (wakes.get(member.role) ?? [])
        .filter((wake) => !lastRun || wake.seq > lastRun.startedSeq)
        .map(({ kind, detail, at }) => ({ kind, detail, at }));
      const pause = paused.get(member.role);
      const nextWake = nextWakeOf({
        cadence,
        lastStart: lastRun?.startedAt,
        queued: queued[0],
        paused: pause,
        now: this.clock.now(),
      });
      return {
        role: member.role,
        badge: member.kind === 'human' ? 'human' : member.kind === 'foreign' ? 'foreign' : 'native',
        ...(tier ? { tier } : {}),
        ...(cadence ? { cadence } : {}),
        reportsTo: protocol.get(member.role) ?? [],
        ...(pause ? { paused: pause } : {}),
        ...(lastRun ? { lastRun } : {}),
        failing,
        nextWake,
        queued,
      } satisfies OrgMember;
    });
  }

  /** Who dispatches to whom, from `coordination/protocol.yaml` (role → its dispatchers). */
  private async protocol(): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    let text: string;
    try {
      // Read inside the group only, as every group file the dashboard shows.
      text = (
        await readFileInside(this.dir, join(this.dir, 'coordination', 'protocol.yaml'))
      ).toString('utf8');
    } catch {
      return map;
    }
    let document: unknown;
    try {
      document = parseYaml(text);
    } catch {
      return map;
    }
    const root = (document ?? {}) as Record<string, unknown>;
    for (const block of Object.values(root)) {
      const dispatch = (block as Record<string, unknown> | null)?.task_dispatch;
      if (!Array.isArray(dispatch)) continue;
      for (const rule of dispatch as Record<string, unknown>[]) {
        if (typeof rule.source !== 'string' || !Array.isArray(rule.targets)) continue;
        for (const target of rule.targets) {
          if (typeof target !== 'string') continue;
          map.set(target, [...(map.get(target) ?? []), rule.source]);
        }
      }
    }
    return map;
  }

  /** The goal tree, flattened in order with depth, owners and rolled-up progress. */
  async goals(): Promise<{
    /** One row per goal, for the goals table. */
    rows: GoalRow[];
    /** The parsed `goals/current.yaml`. */
    file: GoalsFile;
    /** The goal reviews that are due. */
    due: ReviewDue[];
  }> {
    const path = join(this.dir, 'goals', 'current.yaml');
    const loaded = await loadGoals(path, { root: this.dir });
    if (!loaded.goals) {
      const first = loaded.diagnostics.find((diagnostic) => diagnostic.severity === 'error');
      throw new Error(
        first
          ? `${first.file}:${first.line}:${first.column}: ${first.message}`
          : `${path} cannot be read`,
      );
    }
    const progress = rollUpProgress(loaded.goals);
    const rows: GoalRow[] = [];
    const visit = (goals: readonly Goal[], depth: number, owner?: string) => {
      for (const goal of goals) {
        const effective = goal.owner_role ?? owner;
        const goalProgress = progress.get(goal.id);
        rows.push({
          goal,
          depth,
          ...(effective ? { owner: effective } : {}),
          ...(goalProgress ? { progress: goalProgress } : {}),
        });
        visit(goal.sub_goals ?? [], depth + 1, effective);
      }
    };
    visit(loaded.goals.active_goals, 0);
    // The last strategic review: the latest run woken for a goal review.
    const runs = await this.runs();
    const review = runs.find((run) => run.reasons.some((reason) => reason.kind === 'goal-review'));
    const due = dueForReview(
      loaded.goals,
      review ? { strategic: { lastAt: review.startedAt } } : {},
      this.clock,
    );
    return { rows, file: loaded.goals, due };
  }

  /** Approval requests (all, newest first) with the run each one parked. Computed once per ledger state. */
  approvals(): Promise<ApprovalView[]> {
    return this.memo('approvals', () => this.computeApprovals());
  }

  /** Approval requests (all, newest first) with the run each one parked. */
  private async computeApprovals(): Promise<ApprovalView[]> {
    const [policy, snapshot] = await Promise.all([this.policy(), this.snapshot()]);
    const parkedBy = new Map<string, string>();
    for (const entry of snapshot.entries) {
      if (entry.type !== RUN_RECORD_TYPES.runParked) continue;
      const waiting = entry.body.waitingOn ?? entry.body.waiting_on;
      const runId = entry.body.runId ?? entry.body.run_id;
      if (typeof waiting === 'string' && typeof runId === 'string') parkedBy.set(waiting, runId);
    }
    const requests = await policy.approvals.list();
    return requests.reverse().map((request) => {
      const runId = parkedBy.get(request.id);
      return { request, ...(runId ? { runId } : {}) };
    });
  }

  /** Safe mode as its signed state in the ledger says. Computed once per ledger state. */
  safeMode(): Promise<SafeModeStatus> {
    return this.memo('safeMode', () => this.computeSafeMode());
  }

  /** Safe mode as its signed state in the ledger says. */
  private async computeSafeMode(): Promise<SafeModeStatus> {
    return (await this.policy()).safeMode.status();
  }

  /** Escalations: coordination records and messages whose kind or type names an escalation. Computed once per ledger state. */
  escalations(): Promise<EscalationView[]> {
    return this.memo('escalations', () => this.computeEscalations());
  }

  /** Escalations: coordination records and messages whose kind or type names an escalation. */
  private async computeEscalations(): Promise<EscalationView[]> {
    const snapshot = await this.snapshot();
    const found: LedgerEntry[] = [];
    for (let index = snapshot.entries.length - 1; index >= 0 && found.length < 20; index -= 1) {
      const entry = snapshot.entries[index] as LedgerEntry;
      const reason = entry.body.reason as Record<string, unknown> | undefined;
      if (
        entry.type.includes('escalat') ||
        (entry.type === 'coordination.logged' && entry.body.event_type === 'escalation') ||
        (entry.type === RUN_RECORD_TYPES.wakeRequested && reason?.kind === 'escalation')
      )
        found.push(entry);
    }
    let log: string[] | undefined;
    const messageAt = async (index: unknown): Promise<Record<string, unknown> | undefined> => {
      if (typeof index !== 'number') return undefined;
      log ??= await readFileInside(this.ledgerDir, join(this.ledgerDir, 'coordination_log.jsonl'))
        .then((bytes) => bytes.toString('utf8').split('\n'))
        .catch(() => []);
      try {
        const message = JSON.parse(log[index] ?? '');
        return message && typeof message === 'object' ? message : undefined;
      } catch {
        return undefined;
      }
    };
    const views: EscalationView[] = [];
    for (const entry of found) {
      const message =
        entry.type === 'coordination.logged' ? await messageAt(entry.body.index) : undefined;
      const payload = (message?.payload ?? {}) as Record<string, unknown>;
      const reason = (entry.body.reason ?? {}) as Record<string, unknown>;
      const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
      const from = text(message?.from);
      const to = text(message?.to) ?? text(entry.body.member);
      views.push({
        entry,
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
        summary:
          text(payload.condition) !== undefined
            ? `${text(payload.condition)}: ${text(payload.reason) ?? ''}`
            : (text(reason.detail) ?? entry.type),
      });
    }
    return views;
  }

  /** The latest runs the runtime refused to start (at most 10, newest first). Computed once per ledger state. */
  refusedRuns(): Promise<RefusedRun[]> {
    return this.memo('refusedRuns', async () => {
      const snapshot = await this.snapshot();
      const refused: RefusedRun[] = [];
      for (let index = snapshot.entries.length - 1; index >= 0 && refused.length < 10; index -= 1) {
        const entry = snapshot.entries[index] as LedgerEntry;
        if (entry.type !== RUN_RECORD_TYPES.runRefused) continue;
        const amount = typeof entry.body.amount === 'string' ? entry.body.amount : undefined;
        refused.push({
          seq: entry.seq,
          at: entry.time,
          member: String(entry.body.member ?? '?'),
          why: String(entry.body.why ?? ''),
          ...(amount ? { amount } : {}),
        });
      }
      return refused;
    });
  }

  /** Budgets: balances by period and model class from the treasury records in the ledger. Computed once per ledger state. */
  budgets(): Promise<BudgetsView> {
    return this.memo('budgets', () => this.computeBudgets());
  }

  /** Budgets: balances by period and model class from the treasury records in the ledger. */
  private async computeBudgets(): Promise<BudgetsView> {
    const loaded = await loadTreasuryConfig(join(this.dir, 'treasury'));
    if (!loaded.config) {
      const first = loaded.diagnostics.find((diagnostic) => diagnostic.severity === 'error');
      throw new Error(
        first ? `${first.file}:${first.line}:${first.column}: ${first.message}` : 'no treasury',
      );
    }
    const config = loaded.config;
    const records = await readTreasuryRecords(this.port(), { currency: config.unit });
    const balances = computeBalances(records.records, config, this.clock.now());
    const format = (minor: bigint) =>
      `${formatBalanceAmount(balances, minor)} ${balances.currency}`;
    const alerts: BudgetAlert[] = [];
    const check = (what: string, used: bigint, budget: bigint | undefined) => {
      if (budget === undefined || budget <= 0n) return;
      const percent = Number((used * 100n) / budget);
      if (percent < 80) return;
      alerts.push({
        what,
        spent: format(used),
        budget: format(budget),
        percent,
        level: percent >= 100 ? 'exceeded' : 'warning',
      });
    };
    check('this week', balances.week.spent + balances.week.reserved, balances.week.budget);
    check('this month', balances.month.spent + balances.month.reserved, balances.month.budget);
    for (const [modelClass, bucket] of Object.entries(balances.byModelClass))
      check(`model class ${modelClass}`, bucket.spent + bucket.reserved, bucket.budget);
    return { currency: balances.currency, balances, config, alerts, format };
  }

  /** Searches the group's memory (files driver, full text). */
  async searchMemory(query: string): Promise<SearchResult> {
    const memory = createMemory({ dir: join(this.dir, 'memory'), group: true, root: this.dir });
    return memory.search(query, { k: 20 });
  }

  /** Every member's skills, with their usage from `karnel.yaml`. */
  async skills(): Promise<{
    /** The skills found in the members' agent directories. */
    skills: SkillView[];
    /** Why some skills could not be read. */
    problems: string[];
  }> {
    const group = await this.group();
    const skills: SkillView[] = [];
    const problems: string[] = [];
    for (const member of group.members) {
      if (!member.agentDir) continue;
      const found = await discoverSkills([
        { dir: join(member.agentDir, 'skills'), source: 'agent', root: this.dir },
      ]);
      for (const skill of found.skills) skills.push({ member: member.role, skill });
      for (const diagnostic of found.diagnostics)
        if (diagnostic.severity === 'error')
          problems.push(
            `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.message}`,
          );
    }
    return { skills, problems };
  }

  /** Verifies the whole ledger (hashes, links, data files, signatures). */
  verify(): Promise<VerifyReport> {
    return verifyLedger(this.ledgerDir, { root: true });
  }

  /** An inclusion proof for entry `seq` in the current tree, or `undefined` when out of range. */
  async proof(seq: number) {
    const snapshot = await this.snapshot();
    const last = snapshot.entries.at(-1);
    if (!last || seq < 0 || seq > last.seq) return undefined;
    const ledger = await openLedger(this.ledgerDir, { create: false });
    try {
      return await ledger.proveInclusion(seq);
    } finally {
      await ledger.close();
    }
  }

  /** Reads a section, turning any failure into a {@link SectionProblem}. */
  section<T>(what: string, read: () => Promise<T>): Promise<Section<T>> {
    return section(what, read);
  }
}

const CADENCE_MS: Readonly<Record<string, number>> = {
  hourly: 3_600_000,
  daily: 86_400_000,
  weekly: 7 * 86_400_000,
  monthly: 30 * 86_400_000,
};

function nextWakeOf({
  cadence,
  lastStart,
  queued,
  paused,
  now,
}: {
  cadence: string | undefined;
  lastStart: string | undefined;
  queued: { kind: string; detail: string } | undefined;
  paused: { why: string } | undefined;
  now: Date;
}): { at?: string; why: string } {
  if (paused) return { why: `paused: ${paused.why}` };
  if (queued) return { at: now.toISOString(), why: `queued, ${queued.kind}: ${queued.detail}` };
  const interval = cadence ? CADENCE_MS[cadence] : undefined;
  if (!cadence) return { why: 'when a message or the owner wakes it' };
  if (interval === undefined) return { why: `${cadence.replace(/_/g, ' ')}: when the group asks` };
  if (!lastStart) return { at: now.toISOString(), why: `due now: ${cadence}, no run yet` };
  const at = new Date(Date.parse(lastStart) + interval);
  return at <= now
    ? { at: now.toISOString(), why: `due now: ${cadence}, last run ${lastStart}` }
    : { at: at.toISOString(), why: `${cadence} cadence, last run ${lastStart}` };
}
