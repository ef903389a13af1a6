import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  acquireFileLock,
  type Clock,
  COGNITIVE_TIERS,
  createId,
  type FileLock,
  formatMoney,
  InvalidArgumentError,
  isId,
  type LedgerPort,
  readFileInside,
  systemClock,
  UnsupportedVersionError,
  ValidationError,
  writeFileAtomic,
} from '@karnel/core';
import { isMap, isScalar, parseDocument, Scalar } from 'yaml';
import { RECURRENCE_PERIODS, type RecurrencePeriod } from './amount-expression';
import {
  type AmountInput,
  checkSpend,
  type SpendDecision,
  type SpendRequest,
  toMinorUnits,
} from './check-spend';
import { createBalanceTracker, type TreasuryBalances } from './compute-balances';
import { ReservationStateError } from './errors';
import { createTreasuryFold, type TreasuryRecordsRead } from './read-treasury-records';
import {
  createFileRecordStore,
  createLedgerRecordStore,
  type LedgerRecordStoreOptions,
  type TreasuryRecordStore,
} from './record-store';
import {
  QUARANTINE_RECORD_TYPE,
  type RevenueRecord,
  type SpendRecord,
  type TreasuryRecord,
} from './records';
import { loadTreasuryConfig, TREASURY_FILES, type TreasuryConfig } from './treasury-config';

/** Money set aside by {@link Treasury.reserve}. */
export interface Reservation {
  /** `rsv_…` id; pass it to {@link Treasury.commit} or {@link Treasury.release}. */
  readonly id: string;
  /** Amount held, minor units. */
  readonly amount: bigint;
  /** When the hold lapses if not settled. */
  readonly expiresAt: Date;
  /** Model class it is for, if any. */
  readonly modelClass?: string;
  /** Allocation category it is for, if any. */
  readonly category?: string;
}

/** What {@link Treasury.reserve} is asked for: an intended spend, plus the hold's details. */
export interface ReserveRequest extends SpendRequest {
  /** Why the money is set aside (stored in the record). */
  purpose?: string;
  /** How long the hold lasts. Default: the treasury's `reservationTtlMs`. */
  ttlMs?: number;
}

/** The outcome of {@link Treasury.reserve}. */
export type ReservationResult =
  | {
      /** The money is held. */
      readonly ok: true;
      /** The hold. */
      readonly reservation: Reservation;
      /** The `allow` decision it was taken under. */
      readonly decision: SpendDecision;
    }
  | {
      /** Nothing was held. */
      readonly ok: false;
      /** Why: `deny` or `needs-approval`, with the budget or gate named. */
      readonly decision: SpendDecision;
    };

/** A spend to record. */
export interface SpendInput {
  /** How much was spent; decimal text or minor units. */
  amount: AmountInput;
  /** When; default now (the treasury's clock). */
  at?: Date;
  /** The cognitive tier it paid for. */
  modelClass?: string;
  /** The allocation category it counts against. */
  category?: string;
  /** How often it recurs, for a recurring commitment. */
  recurring?: RecurrencePeriod;
  /** The run whose cost it is (`run_…`). */
  run?: string;
  /** A short description. */
  description?: string;
}

/** Revenue to record. */
export interface RevenueInput {
  /** How much came in; decimal text or minor units. */
  amount: AmountInput;
  /** When; default now. */
  at?: Date;
  /** Where it came from. */
  source?: string;
  /** A short description. */
  description?: string;
}

/** Details of settling a reservation with {@link Treasury.commit}. */
export interface CommitInput {
  /** What was actually spent; default the reserved amount. May exceed it (the overrun is recorded). */
  actual?: AmountInput;
  /** The run whose cost it is. */
  run?: string;
  /** A short description. */
  description?: string;
}

/**
 * A group treasury: budgets and gates from its folder, balances derived from its records.
 *
 * Every operation looks at the folder's files and the records again, so edits to budgets apply
 * at once and several processes can share one treasury: a file whose identity, size and
 * modification time are unchanged is not parsed again, and only records appended since the
 * last operation are read. Operations that append take a file lock on the folder, so checks
 * and appends never interleave across processes; operations queued in this process meanwhile
 * run under the same lock and share one fsync (group commit), and none resolves before the
 * records it appended are durable, except `reserve` and `release`, whose records are written
 * (seen by every other reserver, kept if this process is killed) but not fsynced on their own:
 * the fsync of the `commit` (or any later durable record) that follows makes them durable too,
 * and an operating-system crash that loses one loses nothing a later durable record relies on
 * (see `reserve`).
 */
export interface Treasury {
  /** Version of this interface. */
  readonly specificationVersion: 'v1';
  /** The treasury folder. */
  readonly dir: string;
  /**
   * The ledger the records are kept in, when the treasury was given one: a writer appending to
   * the same ledger knows that the fsync of a `commit` also makes durable what it wrote before.
   */
  readonly ledger?: LedgerPort;
  /** Reads and resolves the folder's files; throws `ValidationError` when they are invalid. */
  config(): Promise<TreasuryConfig>;
  /**
   * Balances derived from the records, at `at` (default now). Stored entries that do not count
   * are listed in `skipped`, each at its file and line.
   */
  balances(options?: { at?: Date }): Promise<TreasuryBalances>;
  /**
   * The records that count and a diagnostic for every stored entry that does not (see
   * `readTreasuryRecords`). Reads only; quarantining is done by the writers below.
   */
  readRecords(): Promise<TreasuryRecordsRead>;
  /** Whether an intended spend may go ahead now (open reservations count as spent). */
  checkSpend(request: SpendRequest): Promise<SpendDecision>;
  /** Records a spend that happened; always recorded, even over budget (it is a fact). */
  recordSpend(spend: SpendInput): Promise<SpendRecord>;
  /** Records revenue. */
  recordRevenue(revenue: RevenueInput): Promise<RevenueRecord>;
  /**
   * Holds money for an intended spend if {@link checkSpend} allows it, atomically across
   * processes: two reservers can never both take the last dollar.
   *
   * Resolves once the `reservation.opened` record is written to the store, without an fsync of
   * its own: every other reserver (in any process) sees it at once, and it survives this
   * process being killed. An operating-system crash before the next fsync of the store can lose
   * it, but then it also loses the `commit` that would settle it (appended later, to the same
   * file or chain, and fsynced with everything before it): nothing durable ever refers to a
   * lost reservation, and the spend of a call in flight during an OS crash is lost either way
   * (a durable reservation would only expire unspent).
   */
  reserve(request: ReserveRequest): Promise<ReservationResult>;
  /**
   * Settles a reservation as a spend (after expiry too: money spent is recorded). Resolves once
   * the spend, and with it the reservation it settles, is durable.
   */
  commit(reservation: string | Reservation, details?: CommitInput): Promise<SpendRecord>;
  /**
   * Gives a reservation's money back unspent. Like `reserve`, resolves once the record is
   * written, without an fsync of its own: an OS crash that loses it leaves the reservation
   * holding its money until it expires, never less money held.
   */
  release(reservation: string | Reservation, reason?: string): Promise<void>;
  /**
   * Writes the derived figures (`spent_this_week`, `revenue_mtd`, `as_of`, and
   * `spent_this_month` when a monthly budget is set) into `balances.yaml`, keeping its comments
   * and layout. The file's figures are a report; decisions always use the records.
   */
  writeSnapshot(): Promise<TreasuryBalances>;
  /** Closes the files the record store keeps open; the next operation reopens them. */
  close(): Promise<void>;
}

/** Options of {@link createTreasury}. */
export interface TreasuryOptions {
  /** The treasury folder (holding `balances.yaml` and `allocation_rules.yaml`). */
  dir: string;
  /** A ledger to keep records in: `@karnel/ledger`'s `openLedger(dir)`, or any `LedgerPort`. */
  ledger?: LedgerPort;
  /** How to name the ledger's entries in diagnostics (see `createLedgerRecordStore`). */
  ledgerLocation?: LedgerRecordStoreOptions;
  /** A custom record store; ignored when `ledger` is given. Default: `<dir>/records.jsonl`. */
  store?: TreasuryRecordStore;
  /** Where time comes from. Default: the system clock. */
  clock?: Clock;
  /** Member roles; gates must require one of them. Default: not checked. */
  roles?: readonly string[];
  /** How long a reservation holds money. Default 15 minutes. */
  reservationTtlMs?: number;
  /** How long to wait for the treasury lock. Default 10 000 ms. */
  lockTimeoutMs?: number;
}

/** Most treasury lock holds run back to back under one take of the lock (see `drain`). */
const MAX_KEPT_HOLDS = 256;
/** Longest time the treasury lock is kept across holds, in milliseconds. */
const MAX_KEPT_MS = 50;
/** How long the treasury lock is kept after a hold with nothing queued, in milliseconds. */
const LINGER_MS = 1;

/**
 * Creates a {@link Treasury} over a folder and a record store.
 *
 * A stored entry the treasury refuses (written around it, straight into the ledger) never
 * bricks it: the entry does not count, is reported, and the first operation that reads the
 * records under the lock (`reserve`, `commit`, `release`) appends a
 * `treasury.record_quarantined` record naming it (spec/treasury.md, section 5.4).
 *
 * @throws UnsupportedVersionError (from `@karnel/core`) for a `store` of another specification version.
 */
export function createTreasury({
  dir,
  ledger,
  ledgerLocation,
  store,
  clock = systemClock,
  roles,
  reservationTtlMs = 15 * 60_000,
  lockTimeoutMs = 10_000,
}: TreasuryOptions): Treasury {
  if (!ledger && store && store.specificationVersion !== 'v2')
    throw new UnsupportedVersionError({
      version: String((store as { specificationVersion?: unknown }).specificationVersion),
      supported: ['v2'],
      what: 'treasury record store',
    });
  const records: TreasuryRecordStore = ledger
    ? createLedgerRecordStore(ledger, ledgerLocation)
    : (store ?? createFileRecordStore({ path: join(dir, 'records.jsonl') }));
  const lockPath = join(dir, '.treasury.lock');
  // Group commit: operations that queue while the lock is held run together under the next
  // hold, in order, appending without an fsync each; one fsync ends the hold, and only then does
  // any of them resolve. A store without `appendUnsynced` fsyncs every record itself.
  //
  // A hold that wrote only reservation records (opened, released) ends without an fsync: they
  // are guards, not money moved. Written, they are visible to every other reserver at once and
  // survive this process being killed (the page cache outlives it); only an operating-system
  // crash can lose them, and then it also loses the call they guarded and anything written
  // after them (the settle that refers to a reservation is appended later to the same file or
  // chain, and its fsync makes the reservation durable with it). A lost opening held money for
  // a call whose outcome is lost anyway; a lost release only holds money until the
  // reservation expires. See spec/treasury.md, section 7.
  let holdMustSync = false;
  const write = (record: Parameters<TreasuryRecordStore['append']>[0]) => {
    if (record.type !== 'reservation.opened' && record.type !== 'reservation.released')
      holdMustSync = true;
    return records.appendUnsynced ? records.appendUnsynced(record) : records.append(record);
  };
  type Queued = {
    task: (current: TreasuryConfig) => Promise<unknown>;
    settle: (outcome: Outcome) => void;
  };
  type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
  const queue: Queued[] = [];
  let draining = false;
  // The lock is kept from one hold to the next while operations are already queued when a
  // hold ends (taking it creates and removes files), and for LINGER_MS once nothing is, for
  // the next operation of a busy process; for at most MAX_KEPT_HOLDS holds or MAX_KEPT_MS in
  // all: then other processes get their turn.
  let held: FileLock | undefined;
  let heldSince = 0;
  let holds = 0;
  let lingering: NodeJS.Timeout | undefined;
  const release = async () => {
    clearTimeout(lingering);
    lingering = undefined;
    const lock = held;
    held = undefined;
    await lock?.release();
  };
  const hadItsShare = () => holds >= MAX_KEPT_HOLDS || Date.now() - heldSince >= MAX_KEPT_MS;
  const drain = async () => {
    draining = true;
    clearTimeout(lingering);
    lingering = undefined;
    while (queue.length > 0) {
      const batch = queue.splice(0);
      const outcomes: Outcome[] = [];
      try {
        // The folder's files, looked at once per hold (two stats when unchanged): every
        // operation of the hold decides with the budgets in force when it began.
        const current = await config();
        if (!held) {
          held = await acquireFileLock(lockPath, { timeoutMs: lockTimeoutMs });
          heldSince = Date.now();
          holds = 0;
        }
        holds++;
        const hold = async () => {
          holdMustSync = false;
          for (const { task } of batch) {
            try {
              outcomes.push({ ok: true, value: await task(current) });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
          if (holdMustSync) await records.sync?.();
        };
        await (records.hold ? records.hold(hold) : hold());
        if (queue.length > 0 && hadItsShare()) await release();
      } catch (error) {
        // Invalid files, no lock, or the fsync failed: nothing of this hold is acknowledged.
        await release().catch(() => undefined);
        for (const item of batch) item.settle({ ok: false, error });
        continue;
      }
      for (const [index, item] of batch.entries()) item.settle(outcomes[index]!);
    }
    // Nothing is queued: the lock is given back now when it had its share, else LINGER_MS
    // later unless an operation queued meanwhile took it up. Set at once, with no await in
    // between, so an operation queued now starts a new drain. The timer is not unref'ed: a
    // process exiting meanwhile waits for it and leaves no lock file behind.
    draining = false;
    if (!held) return;
    if (hadItsShare()) {
      await release().catch(() => undefined);
      return;
    }
    lingerThenRelease();
  };
  // Gives the lock back LINGER_MS after the last hold, once the I/O already due had its turn
  // (timers run before it): an operation it queues keeps the lock, and a hold made meanwhile
  // makes it linger again (or end, once it had its share).
  const lingerThenRelease = () => {
    if (lingering || !held) return;
    const lock = held;
    const mark = holds;
    lingering = setTimeout(() => {
      lingering = undefined;
      setImmediate(() => {
        if (draining || held !== lock) return; // in use, or already given back
        if (holds !== mark && !hadItsShare()) lingerThenRelease();
        else release().catch(() => undefined);
      });
    }, LINGER_MS);
  };
  const locked = <T>(task: (current: TreasuryConfig) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({
        task,
        settle: (outcome) => (outcome.ok ? resolve(outcome.value as T) : reject(outcome.error)),
      });
      if (!draining) void drain();
    });

  // The folder's files are parsed again only when one of them changed (identity, size, times).
  let cachedConfig: { signature: string; config: TreasuryConfig } | undefined;
  const signature = () =>
    [TREASURY_FILES.balances, TREASURY_FILES.allocationRules]
      .map((name) => {
        try {
          const info = statSync(join(dir, name), { bigint: true });
          return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
        } catch {
          return '-';
        }
      })
      .join('|');
  const config = async (): Promise<TreasuryConfig> => {
    const before = signature();
    if (cachedConfig?.signature === before) return cachedConfig.config;
    const result = await loadTreasuryConfig(dir, roles ? { roles } : {});
    if (!result.config) throw new ValidationError({ diagnostics: result.diagnostics });
    // Cached only when nothing changed while it was read.
    if (signature() === before) cachedConfig = { signature: before, config: result.config };
    return result.config;
  };
  const fold = createTreasuryFold();
  const readAll = async (current: TreasuryConfig) =>
    fold(await records.readEntries(), current.unit);
  const tracker = createBalanceTracker();
  const balancesOf = (read: TreasuryRecordsRead, current: TreasuryConfig, at: Date) => ({
    ...tracker(read.records, current, at),
    skipped: read.diagnostics,
  });
  const balancesAt = async (current: TreasuryConfig, at: Date) =>
    balancesOf(await readAll(current), current, at);
  // Under the lock: read, and quarantine every refused entry no quarantine names yet.
  const readForWriting = async (current: TreasuryConfig) => {
    const read = await readAll(current);
    for (const { entry, code, reason } of read.unquarantined) {
      await write({
        type: QUARANTINE_RECORD_TYPE,
        at: clock.now().toISOString(),
        seq: entry.seq,
        hash: entry.hash,
        record_type: entry.type,
        code,
        reason,
      });
    }
    return read;
  };
  const amountText = (current: TreasuryConfig, amount: AmountInput, argument: string) => {
    const minor = toMinorUnits(amount, current, argument);
    if (minor < 0n)
      throw new InvalidArgumentError({
        argument,
        value: amount,
        message: 'an amount cannot be negative',
      });
    return formatMoney(minor, current.unit);
  };
  const checkModelClass = (modelClass: string | undefined) => {
    if (modelClass !== undefined && !(COGNITIVE_TIERS as readonly string[]).includes(modelClass)) {
      throw new InvalidArgumentError({
        argument: 'modelClass',
        value: modelClass,
        message: `expected one of ${COGNITIVE_TIERS.join(', ')}`,
      });
    }
  };
  // Where each reservation stands, kept up to date over the records as they grow.
  type Standing = {
    opened?: Extract<TreasuryRecord, { type: 'reservation.opened' }>;
    state: 'open' | 'committed' | 'released' | 'unknown';
  };
  let standings: {
    records?: readonly TreasuryRecord[];
    seen: number;
    byId: Map<string, Standing>;
  } = { seen: 0, byId: new Map() };
  const settleState = (all: readonly TreasuryRecord[], id: string): Standing => {
    if (standings.records !== all || all.length < standings.seen)
      standings = { records: all, seen: 0, byId: new Map() };
    const { byId } = standings;
    for (; standings.seen < all.length; standings.seen++) {
      const record = all[standings.seen]!;
      if (record.type === 'reservation.opened')
        byId.set(record.id, { opened: record, state: 'open' });
      else if (record.type === 'reservation.released')
        byId.set(record.id, { ...byId.get(record.id), state: 'released' });
      else if (record.type === 'spend.recorded' && record.reservation !== undefined)
        byId.set(record.reservation, { ...byId.get(record.reservation), state: 'committed' });
    }
    return byId.get(id) ?? { state: 'unknown' };
  };

  return {
    specificationVersion: 'v1',
    dir,
    ...(ledger ? { ledger } : {}),
    config,
    async balances({ at = clock.now() } = {}) {
      return balancesAt(await config(), at);
    },
    async readRecords() {
      const read = await readAll(await config());
      return { ...read, records: [...read.records] };
    },
    async checkSpend(request) {
      const current = await config();
      return checkSpend(current, await balancesAt(current, clock.now()), request);
    },
    async recordSpend(spend) {
      checkModelClass(spend.modelClass);
      if (spend.recurring !== undefined && !RECURRENCE_PERIODS.includes(spend.recurring)) {
        throw new InvalidArgumentError({
          argument: 'recurring',
          value: spend.recurring,
          message: `expected one of ${RECURRENCE_PERIODS.join(', ')}`,
        });
      }
      const at = (spend.at ?? clock.now()).toISOString();
      return locked(async (current) => {
        const record: SpendRecord = {
          type: 'spend.recorded',
          at,
          amount: amountText(current, spend.amount, 'amount'),
          currency: current.currency,
          ...optional({
            model_class: spend.modelClass,
            category: spend.category,
            recurring: spend.recurring,
            run: spend.run,
            description: spend.description,
          }),
        };
        await write(record);
        return record;
      });
    },
    async recordRevenue(revenue) {
      const at = (revenue.at ?? clock.now()).toISOString();
      return locked(async (current) => {
        const record: RevenueRecord = {
          type: 'revenue.recorded',
          at,
          amount: amountText(current, revenue.amount, 'amount'),
          currency: current.currency,
          ...optional({ source: revenue.source, description: revenue.description }),
        };
        await write(record);
        return record;
      });
    },
    async reserve(request) {
      checkModelClass(request.modelClass);
      const ttlMs = request.ttlMs ?? reservationTtlMs;
      if (!(ttlMs > 0))
        throw new InvalidArgumentError({
          argument: 'ttlMs',
          value: ttlMs,
          message: 'must be positive',
        });
      return locked(async (current) => {
        const now = clock.now();
        const read = await readForWriting(current);
        const decision = checkSpend(current, balancesOf(read, current, now), request);
        if (decision.effect !== 'allow') return { ok: false, decision } as const;
        const expiresAt = new Date(now.getTime() + ttlMs);
        const id = createId('rsv');
        await write({
          type: 'reservation.opened',
          id,
          at: now.toISOString(),
          expires_at: expiresAt.toISOString(),
          amount: formatMoney(decision.amount, current.unit),
          currency: current.currency,
          ...optional({
            model_class: request.modelClass,
            category: request.category,
            purpose: request.purpose,
          }),
        });
        const reservation: Reservation = {
          id,
          amount: decision.amount,
          expiresAt,
          ...optional({ modelClass: request.modelClass, category: request.category }),
        };
        return { ok: true, reservation, decision } as const;
      });
    },
    async commit(reservation, details = {}) {
      const id = typeof reservation === 'string' ? reservation : reservation.id;
      return locked(async (current) => {
        const { opened, state } = settleState((await readForWriting(current)).records, id);
        if (!opened || state !== 'open')
          throw new ReservationStateError({
            reservationId: id,
            state: state === 'open' ? 'unknown' : state,
          });
        const record: SpendRecord = {
          type: 'spend.recorded',
          at: clock.now().toISOString(),
          amount:
            details.actual === undefined
              ? opened.amount
              : amountText(current, details.actual, 'actual'),
          currency: current.currency,
          reservation: opened.id,
          ...optional({
            model_class: opened.model_class,
            category: opened.category,
            run: details.run,
            description: details.description ?? opened.purpose,
          }),
        };
        await write(record);
        return record;
      });
    },
    async release(reservation, reason) {
      const id = typeof reservation === 'string' ? reservation : reservation.id;
      if (!isId(id, 'rsv'))
        throw new InvalidArgumentError({
          argument: 'reservation',
          value: id,
          message: 'not a reservation id (rsv_…)',
        });
      await locked(async (current) => {
        const { opened, state } = settleState((await readForWriting(current)).records, id);
        if (!opened || state !== 'open')
          throw new ReservationStateError({
            reservationId: id,
            state: state === 'open' ? 'unknown' : state,
          });
        await write({
          type: 'reservation.released',
          id,
          at: clock.now().toISOString(),
          ...optional({ reason }),
        });
      });
    },
    async writeSnapshot() {
      return locked(async (current) => {
        const now = clock.now();
        const balances = await balancesAt(current, now);
        const path = join(dir, TREASURY_FILES.balances);
        // Opened only inside the folder: a balances.yaml turned into a link leading out of it is
        // refused, never copied back into the group.
        const document = parseDocument((await readFileInside(dir, path)).toString('utf8'));
        const financial = document.get('financial', true);
        if (!isMap(financial))
          throw new ValidationError({
            diagnostics: [],
            message: `${path}: financial is not a mapping`,
          });
        const setAmount = (key: string, minor: bigint) => {
          const text = formatMoney(minor, current.unit);
          const asNumber = Number(text);
          // A plain YAML number when it round-trips exactly, quoted decimal text otherwise.
          const exact = asNumber.toFixed(current.minorDigits) === text;
          const existing = financial.get(key, true);
          if (isScalar(existing)) {
            existing.value = exact ? asNumber : text;
            existing.minFractionDigits = exact ? current.minorDigits : undefined;
            return;
          }
          const node = new Scalar(exact ? asNumber : text);
          if (exact) node.minFractionDigits = current.minorDigits;
          financial.set(key, node);
        };
        setAmount('spent_this_week', balances.week.spent);
        if (current.budgets.month !== undefined || financial.has('spent_this_month')) {
          setAmount('spent_this_month', balances.month.spent);
        }
        setAmount('revenue_mtd', balances.month.revenue);
        const asOf = financial.get('as_of', true);
        if (isScalar(asOf)) asOf.value = now.toISOString();
        else financial.set('as_of', now.toISOString());
        await writeFileAtomic(path, document.toString());
        return balances;
      });
    },
    async close() {
      if (!draining) await release();
      await records.close?.();
    },
  };
}

function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const present: Partial<T> = {};
  for (const key in fields) if (fields[key] !== undefined) present[key] = fields[key];
  return present;
}
