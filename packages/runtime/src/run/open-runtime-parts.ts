import { join } from 'node:path';
import { type ForeignAgentAdapter, loadMemberAdapter } from '@karnel/adapters';
import {
  type Coordinator,
  createCoordinator,
  createLedgerArchive,
  readProtocolFile,
} from '@karnel/coordination';
import {
  type Clock,
  type CognitiveTier,
  createDiagnostic,
  type Diagnostic,
  KarnelError,
  pathKind,
  type Signer,
  systemClock,
} from '@karnel/core';
import { type Ledger, openLedger } from '@karnel/ledger';
import { type GroupManifest, validateGroupDir } from '@karnel/manifest';
import { createFileMemory, type MemoryStore } from '@karnel/memory';
import {
  type ApprovalQueue,
  analyzeConstraints,
  createPolicy,
  openPolicyDirectory,
  type Policy,
  type PolicyRule,
  type SafeModeSwitch,
  validatePolicyFile,
} from '@karnel/policy';
import {
  type LanguageModelSource,
  loadTiersConfig,
  type MachineProfile,
  normalizeTier,
  type TiersConfig,
} from '@karnel/tiers';
import { createTreasury, type Treasury } from '@karnel/treasury';
import { createWorkerPool, type WorkerPool } from '@karnel/workers';
import { createFingerprintCache, fileFingerprint } from './fingerprint-cache';
import { createTierModelSource, type RunModelSource } from './run-model-source';
import { RuntimeOpenError, type RuntimePart } from './runtime-open-error';

/** One member of the group as a run needs it: who it is, where its files are, what it may cost. */
export interface RuntimeMember {
  /** The member's role in the group. */
  readonly role: string;
  /** Native agent, foreign agent or human. */
  readonly kind: 'karnel-native' | 'foreign' | 'human';
  /** The agent directory of a native member. */
  readonly agentDir?: string;
  /** The cognitive tier its runs use (group entry `model_class`, else the agent's). */
  readonly tier?: CognitiveTier;
  /** The contract's most a run may cost, as written (`1.5`). */
  readonly maxCostPerRun?: number;
  /** The contract's task class. */
  readonly taskClass?: string;
  /** The agent's purpose. */
  readonly purpose?: string;
  /** Soft constraints: prompt guidance, group's first. */
  readonly softConstraints: readonly string[];
  /** Hard constraints: gates, shown to the model so it does not try. */
  readonly hardConstraints: readonly string[];
  /** The capabilities the agent declares. */
  readonly capabilities: readonly string[];
  /** The skills folder of a native member, when it has one. */
  readonly skillsDir?: string;
}

/** The packages a run is made of, opened over one group directory. */
export interface RuntimeParts {
  /** The group directory, absolute. */
  readonly dir: string;
  /** The validated group manifest. */
  readonly group: GroupManifest;
  /** The group's members by role. */
  readonly members: ReadonlyMap<string, RuntimeMember>;
  /** The group's hash-chained ledger (`<dir>/ledger`). */
  readonly ledger: Ledger;
  /** The group treasury, keeping its records in the ledger. */
  readonly treasury: Treasury;
  /** The deny-by-default policy every tool call is decided by. */
  readonly policy: Policy;
  /** The signed approval queue (`approvals/`, truth in the ledger). */
  readonly approvals: ApprovalQueue;
  /** The safe-mode switch; when on, running runs park at their next tool call. */
  readonly safeMode: SafeModeSwitch;
  /** Routes, archives (in the ledger) and walks review chains of structured messages. */
  readonly coordinator: Coordinator;
  /** The memory store of a member (its agent's `memory/`), or of the group for `undefined`. */
  memoryOf(role?: string): MemoryStore;
  /** The group goals file, when the group has one. */
  readonly goalsFile?: string;
  /** The merged tiers configuration. */
  readonly tiers: TiersConfig;
  /** Where each run's model comes from. */
  readonly models: RunModelSource;
  /** Runs the code of skills that have some (`@karnel/workers`, sandboxed). */
  readonly workers: WorkerPool;
  /** The adapter a foreign member runs through (`@karnel/adapters`, from `members/<role>.yaml`). */
  adapterOf(role: string): Promise<ForeignAgentAdapter>;
  /** Where time comes from. */
  readonly clock: Clock;
  /** Closes every store this call opened (not the parts that were passed in). */
  close(): Promise<void>;
}

/** Parts to use instead of the defaults of {@link openRuntimeParts}; each is optional. */
export interface RuntimePartsOverrides {
  /**
   * The ledger. Default: `openLedger(<dir>/ledger, { groupCommit: true })`, signed by `signer`
   * when given.
   */
  readonly ledger?: Ledger;
  /** The key the runtime signs ledger entries with. Default: none (entries unsigned). */
  readonly signer?: Signer;
  /** The treasury. Default: `createTreasury({ dir: <dir>/treasury, ledger })`. */
  readonly treasury?: Treasury;
  /**
   * The policy. Default: the rules of `<dir>/policy.yaml` (none: deny all) plus the gates of the
   * group's and each agent's hard constraints (`analyzeConstraints`), safe mode from the ledger.
   */
  readonly policy?: Policy;
  /** The approval queue and safe mode. Default: `openPolicyDirectory(dir, { ledger })`. */
  readonly approvals?: {
    /** The signed approval queue. */
    readonly approvals: ApprovalQueue;
    /** The safe-mode switch. */
    readonly safeMode: SafeModeSwitch;
  };
  /** The coordinator. Default: the group's protocol, messages archived in the ledger. */
  readonly coordinator?: Coordinator;
  /** Memory stores by role (`undefined`: the group's). Default: the files backend in each `memory/`. */
  readonly memory?: (role: string | undefined) => MemoryStore;
  /** The tiers configuration. Default: machine, group and agent `tiers.yaml` merged. */
  readonly tiers?: TiersConfig;
  /**
   * Where candidate models come from, in place of the providers of `tiers.yaml` (tests pass
   * mock models, `--offline` the scripted demo model). With it, every candidate of a tier is
   * used in order, whatever this machine holds.
   */
  readonly languageModels?: LanguageModelSource;
  /** The whole model choice, when even tiers should not decide. Takes precedence over `languageModels`. */
  readonly models?: RunModelSource;
  /** The worker pool skills run on. Default: `createWorkerPool()` (sandboxed, isolation `auto`). */
  readonly workers?: WorkerPool;
  /**
   * The adapters of foreign members, by role. Default: `loadMemberAdapter` of
   * `@karnel/adapters` over the group ledger and approval queue.
   */
  readonly adapters?: (role: string) => ForeignAgentAdapter | Promise<ForeignAgentAdapter>;
  /** This machine's profile, for tier resolution. Default: detected (probes Ollama). */
  readonly profile?: MachineProfile;
  /** The clock. Default: the system clock. */
  readonly clock?: Clock;
  /** Where the machine-level `tiers.yaml` is; `false` reads none. Default: the user's config folder. */
  readonly machineTiersFile?: string | false;
}

function failure(
  dir: string,
  part: RuntimePart,
  summary: string,
  diagnostics: readonly Diagnostic[],
  cause?: unknown,
): RuntimeOpenError {
  return new RuntimeOpenError({ dir, part, summary, diagnostics, cause });
}

function causeDiagnostics(file: string, code: string, error: unknown): Diagnostic[] {
  const withDiagnostics = error as { diagnostics?: readonly Diagnostic[] };
  if (Array.isArray(withDiagnostics?.diagnostics) && withDiagnostics.diagnostics.length > 0)
    return [...withDiagnostics.diagnostics];
  const message =
    KarnelError.isInstance(error) || error instanceof Error ? error.message : String(error);
  return [createDiagnostic({ file, code, message })];
}

async function openPart<T>(
  dir: string,
  part: RuntimePart,
  file: string,
  open: () => Promise<T>,
): Promise<T> {
  try {
    return await open();
  } catch (error) {
    if (RuntimeOpenError.isInstance(error)) throw error;
    throw failure(
      dir,
      part,
      `${part} of ${dir} cannot be opened`,
      causeDiagnostics(file, `runtime/${part}-unavailable`, error),
      error,
    );
  }
}

/**
 * The default coordinator with its history read again only when something was sent: the
 * archive is the ledger's coordination log (any process's message changes its size) and this
 * coordinator's own sends (kept out of the archive by the protocol, or not) are counted. A run
 * woken by a message reads the history once, not the whole log per run.
 */
function cachedHistory(coordinator: Coordinator, logFile: string): Coordinator {
  let sent = 0;
  const counted =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } finally {
        sent += 1;
      }
    };
  const history = createFingerprintCache(
    async () => `${sent}:${await fileFingerprint(logFile)}`,
    () => coordinator.history(),
  );
  return {
    ...coordinator,
    send: counted((message) => coordinator.send(message)),
    dispatch: counted((options) => coordinator.dispatch(options)),
    review: counted((task, reviewer) => coordinator.review(task, reviewer)),
    escalate: counted((options) => coordinator.escalate(options)),
    history: () => history.get(),
  };
}

function membersOf(validation: Awaited<ReturnType<typeof validateGroupDir>>): RuntimeMember[] {
  const group = validation.manifest!;
  const groupSoft = group.constraints?.soft ?? [];
  const groupHard = group.constraints?.hard ?? [];
  const agents = new Map(validation.agents.map((agent) => [agent.dir, agent]));
  return validation.members.map((resolved) => {
    const entry = group.members[resolved.index] as Record<string, unknown> | undefined;
    const agent = resolved.agentDir ? agents.get(resolved.agentDir) : undefined;
    const manifest = agent?.manifest;
    const contract = resolved.member?.membership?.contract;
    const tierText =
      (entry?.model_class as string | undefined) ??
      manifest?.runtime_requirements?.model_class ??
      undefined;
    const tier = tierText ? normalizeTier(tierText) : undefined;
    const skillsDir = agent?.components.skills;
    return {
      role: resolved.role,
      kind: resolved.kind,
      ...(resolved.agentDir ? { agentDir: resolved.agentDir } : {}),
      ...(tier ? { tier } : {}),
      ...(contract?.max_cost_per_run !== undefined
        ? { maxCostPerRun: contract.max_cost_per_run }
        : {}),
      ...(contract?.task_class ? { taskClass: contract.task_class } : {}),
      ...(manifest?.purpose ? { purpose: manifest.purpose.trim() } : {}),
      softConstraints: [...groupSoft, ...(manifest?.constraints?.soft ?? [])],
      hardConstraints: [...groupHard, ...(manifest?.constraints?.hard ?? [])],
      capabilities: [...(manifest?.capabilities_declared ?? [])],
      ...(skillsDir ? { skillsDir } : {}),
    } satisfies RuntimeMember;
  });
}

/**
 * Opens the parts a run is made of over a group directory, with the defaults a user expects:
 * the group ledger, the treasury keeping its records in it, the policy of `policy.yaml` with
 * the signed approval queue and safe mode, the coordination protocol archiving messages in the
 * ledger, each member's file memory, and the tiers configuration. Every part can be passed in
 * instead.
 *
 * A group that does not validate, or a part that cannot open, throws a
 * {@link RuntimeOpenError} naming the part, with diagnostics at file, line and column; nothing
 * is left open then.
 *
 * @example
 * ```ts
 * const parts = await openRuntimeParts('./newsletter-co');
 * try {
 *   console.log([...parts.members.keys()]);
 * } finally {
 *   await parts.close();
 * }
 * ```
 */
export async function openRuntimeParts(
  dir: string,
  overrides: RuntimePartsOverrides = {},
): Promise<RuntimeParts> {
  const clock = overrides.clock ?? systemClock;
  const kind = await pathKind(dir);
  if (kind !== 'folder') {
    throw failure(dir, 'group', `${dir} is not a group directory`, [
      createDiagnostic({
        file: dir,
        code: 'runtime/not-a-group',
        message: kind === 'missing' ? 'no such folder' : `expected a folder, found a ${kind}`,
      }),
    ]);
  }
  const validation = await validateGroupDir(dir);
  if (!validation.valid || !validation.manifest) {
    throw failure(
      dir,
      'group',
      `${dir} does not validate; fix it before running it`,
      validation.diagnostics,
    );
  }
  const root = validation.dir;
  const group = validation.manifest;
  const opened: { close(): Promise<void> }[] = [];
  const closeOpened = async () => {
    for (const part of opened.reverse()) await part.close().catch(() => undefined);
  };
  try {
    const ledgerDir = validation.components.ledger ?? join(root, 'ledger');
    const ledger =
      overrides.ledger ??
      (await openPart(root, 'ledger', ledgerDir, () =>
        openLedger(ledgerDir, {
          clock,
          // A run queues its steps and waits for them together: they share fsyncs.
          groupCommit: true,
          ...(overrides.signer ? { signer: overrides.signer } : {}),
        }),
      ));
    if (!overrides.ledger) opened.push(ledger);

    const members = membersOf(validation);
    const roles = members.map((member) => member.role);

    const treasuryDir = validation.components.treasury ?? join(root, 'treasury');
    const treasury =
      overrides.treasury ??
      (await openPart(root, 'treasury', treasuryDir, async () => {
        const created = createTreasury({ dir: treasuryDir, ledger, clock, roles });
        await created.config();
        return created;
      }));

    const policyDirectory =
      overrides.approvals ??
      (await openPart(root, 'policy', join(root, 'manifest.yaml'), () =>
        openPolicyDirectory(root, {
          ledger,
          clock,
          ...(overrides.signer ? { signer: overrides.signer } : {}),
        }),
      ));
    const { approvals, safeMode } = policyDirectory;
    let policy = overrides.policy;
    if (!policy) {
      const policyPath = join(root, 'policy.yaml');
      let rules: readonly PolicyRule[] = [];
      if ((await pathKind(policyPath)) === 'file') {
        const read = await validatePolicyFile(policyPath, { root });
        if (!read.value)
          throw failure(root, 'policy', `${policyPath} is not valid`, read.diagnostics);
        rules = read.rules;
      }
      // Hard constraints are gates: the group's apply to every member, an agent's to its member.
      const constraintRules = [
        ...analyzeConstraints(group.constraints).rules,
        ...validation.members.flatMap((resolved) => {
          const agent = validation.agents.find((found) => found.dir === resolved.agentDir);
          const hard = agent?.manifest?.constraints;
          if (!hard) return [];
          return analyzeConstraints(hard).rules.map((rule) => ({
            ...rule,
            id: `${resolved.role} ${rule.id ?? rule.capability}`,
            actors: [resolved.role],
          }));
        }),
      ];
      await safeMode.status();
      policy = createPolicy({
        rules: [...rules, ...constraintRules],
        root,
        safeMode: { active: () => safeMode.isActive() },
      });
    }

    let coordinator = overrides.coordinator;
    if (!coordinator) {
      const protocolPath = validation.coordinationRef;
      if (!protocolPath)
        throw failure(root, 'coordination', `${root} declares no coordination protocol`, [
          createDiagnostic({
            file: join(root, 'manifest.yaml'),
            code: 'runtime/no-protocol',
            message: 'coordination_ref is needed to route messages between members',
          }),
        ]);
      const read = await readProtocolFile(protocolPath, { root });
      if (!read.protocol)
        throw failure(root, 'coordination', `${protocolPath} is not valid`, read.diagnostics);
      coordinator = cachedHistory(
        createCoordinator({
          protocol: read.protocol,
          roles,
          archive: createLedgerArchive({ ledger }),
          clock,
        }),
        join(ledger.dir, 'coordination_log.jsonl'),
      );
    }

    let tiers = overrides.tiers;
    if (!tiers) {
      const loaded = await loadTiersConfig({
        groupDir: root,
        ...(overrides.machineTiersFile !== undefined
          ? { machineFile: overrides.machineTiersFile }
          : {}),
      });
      if (!loaded.config)
        throw failure(root, 'tiers', 'the tiers configuration is not valid', loaded.diagnostics);
      tiers = loaded.config;
    }

    const stores = new Map<string, MemoryStore>();
    const groupMemoryDir = validation.components.memory ?? join(root, 'memory');
    const memoryOf = (role?: string): MemoryStore => {
      const key = role ?? '';
      let store = stores.get(key);
      if (store) return store;
      if (overrides.memory) store = overrides.memory(role);
      else {
        const member = role === undefined ? undefined : members.find((m) => m.role === role);
        const memoryDir = member?.agentDir ? join(member.agentDir, 'memory') : groupMemoryDir;
        // Confined to the group: a memory file a symlink leads out of it is never read.
        store = createFileMemory({ dir: memoryDir, clock, root });
        opened.push(store);
      }
      stores.set(key, store);
      return store;
    };

    const models =
      overrides.models ??
      createTierModelSource({
        config: tiers,
        ...(overrides.languageModels ? { languageModels: overrides.languageModels } : {}),
        ...(overrides.profile ? { profile: overrides.profile } : {}),
      });

    const adapters = new Map<string, Promise<ForeignAgentAdapter>>();
    const adapterOf = (role: string): Promise<ForeignAgentAdapter> => {
      let adapter = adapters.get(role);
      if (!adapter) {
        adapter = (async () => {
          if (overrides.adapters) return overrides.adapters(role);
          const loaded = await loadMemberAdapter(root, role, { ledger, approvals });
          if (!loaded.adapter)
            throw failure(root, 'adapters', `${role} has no usable adapter`, loaded.diagnostics);
          return loaded.adapter;
        })();
        adapter.catch(() => adapters.delete(role));
        adapters.set(role, adapter);
      }
      return adapter;
    };

    const goalsDir = validation.components.goals;
    const goalsFile = goalsDir ? join(goalsDir, 'current.yaml') : undefined;
    return {
      dir: root,
      group,
      members: new Map(members.map((member) => [member.role, member])),
      ledger,
      treasury,
      policy,
      approvals,
      safeMode,
      coordinator,
      memoryOf,
      ...(goalsFile && (await pathKind(goalsFile)) === 'file' ? { goalsFile } : {}),
      tiers,
      models,
      workers: overrides.workers ?? createWorkerPool(),
      adapterOf,
      clock,
      close: closeOpened,
    };
  } catch (error) {
    await closeOpened();
    throw error;
  }
}
