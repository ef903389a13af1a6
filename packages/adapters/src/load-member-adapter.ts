import { join } from 'node:path';
import {
  type AuditLog,
  createDiagnostic,
  type Diagnostic,
  type LedgerReader,
  type Signer,
} from '@karnel/core';
import { type Adapter, loadGroupManifest, loadMemberFile } from '@karnel/manifest';
import type { IsolationMode, PolicyDecider } from '@karnel/workers';
import type { ForeignAgentAdapter } from './adapter';
import { type ApprovalQueuePort, createHermesAdapter } from './hermes-adapter';
import { createHttpAdapter } from './http-adapter';
import { createHumanAdapter } from './human-adapter';
import { createCommandNotifier, createWebhookNotifier, type InboxNotifier } from './inbox-notifier';
import { createSubprocessAdapter } from './subprocess-adapter';

/**
 * What the machine running the group supplies for a member, beside its member file: the
 * runtime's ledger, queue and keys, and secret references — never kept in the group directory.
 */
export interface MachineAdapterSettings {
  /** The group ledger. */
  readonly ledger?: AuditLog | (AuditLog & LedgerReader);
  /** The signing-key reference of an `http` member (`env:NAME`, `file:/path`). */
  readonly signingKey?: string;
  /** The API-key reference of a `hermes` member. */
  readonly apiKey?: string;
  /** Where `env:` references are looked up. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** The approval queue a `hermes` member's approvals go to. */
  readonly approvals?: ApprovalQueuePort;
  /** The runtime's worker identity (requests approvals, signs worker records). */
  readonly signer?: Signer;
  /** The policy a `subprocess` member runs under. Default: deny everything privileged. */
  readonly policy?: PolicyDecider;
  /** The isolation of a `subprocess` member. Default `auto`. */
  readonly isolation?: IsolationMode;
  /** How a `human` member is notified. */
  readonly notifiers?: readonly InboxNotifier[];
  /** Replaces the member file's endpoint on this machine (a local port, a test server). */
  readonly endpoint?: string;
  /** Replaces the member file's Hermes executable (`hermes.command`) on this machine. */
  readonly hermesCommand?: string;
  /**
   * Whether `command` notification channels named in the group directory may run on this
   * machine. Default `false`: a program named in a shared file is not run unsandboxed unless
   * the machine's owner says so (webhook channels are always used).
   */
  readonly allowCommandNotifiers?: boolean;
}

/** What {@link loadMemberAdapter} found. */
export interface LoadedMemberAdapter {
  /** The adapter, when the member file is valid and names a foreign or human member. */
  readonly adapter?: ForeignAgentAdapter;
  /** Problems with file, line and column; errors mean there is no adapter. */
  readonly diagnostics: readonly Diagnostic[];
}

/** A person as the member file or the group manifest declares them. */
interface HumanDeclaration {
  readonly escalation_only?: boolean;
  readonly public_key?: string;
  readonly notifications?: Adapter['notifications'];
}

function notifiersOf(
  declared: HumanDeclaration,
  machine: MachineAdapterSettings,
  file: string,
  diagnostics: Diagnostic[],
): InboxNotifier[] {
  const notifiers: InboxNotifier[] = [];
  for (const channel of declared.notifications ?? []) {
    if (channel.type === 'webhook') notifiers.push(createWebhookNotifier({ url: channel.url }));
    else if (machine.allowCommandNotifiers)
      notifiers.push(createCommandNotifier({ command: channel.command, args: channel.args ?? [] }));
    else
      diagnostics.push(
        createDiagnostic({
          code: 'adapter/command-not-allowed',
          severity: 'warning',
          message: `the command channel "${channel.command}" is not run: commands named in the group directory run only where the machine allows them (allowCommandNotifiers)`,
          file,
        }),
      );
  }
  return [...notifiers, ...(machine.notifiers ?? [])];
}

function createHuman(
  groupDir: string,
  role: string,
  declared: HumanDeclaration,
  machine: MachineAdapterSettings,
  file: string,
  diagnostics: Diagnostic[],
  taskClasses?: readonly string[],
): ForeignAgentAdapter {
  return createHumanAdapter({
    role,
    groupDir,
    ...(machine.ledger ? { ledger: machine.ledger } : {}),
    ...(taskClasses ? { taskClasses } : {}),
    escalationOnly: declared.escalation_only ?? false,
    ...(declared.public_key ? { publicKey: declared.public_key } : {}),
    notifiers: notifiersOf(declared, machine, file, diagnostics),
  });
}

function createForeign(
  groupDir: string,
  role: string,
  adapter: Adapter,
  machine: MachineAdapterSettings,
  file: string,
  diagnostics: Diagnostic[],
): ForeignAgentAdapter {
  const common = { role, ledger: machine.ledger };
  const endpoint = machine.endpoint ?? adapter.endpoint;
  const taskClasses = adapter.task_classes;
  const environment = machine.environment;
  const attempt = adapter.timeouts?.attempt_ms;
  const retries = adapter.retries;
  const cost = adapter.cost_per_invocation;
  switch (adapter.type) {
    case 'http': {
      const signingKey = machine.signingKey ?? adapter.auth?.signing_key;
      return createHttpAdapter({
        ...common,
        endpoint: endpoint ?? '',
        taskClasses,
        environment,
        ...(signingKey ? { signingKey } : {}),
        ...(attempt ? { attemptTimeoutMs: attempt } : {}),
        ...(retries !== undefined ? { retries } : {}),
        ...(cost ? { costPerInvocation: cost } : {}),
      });
    }
    case 'hermes': {
      const apiKey = machine.apiKey ?? adapter.auth?.api_key;
      const command = machine.hermesCommand ?? adapter.hermes?.command;
      return createHermesAdapter({
        ...common,
        ...(endpoint ? { endpoint } : {}),
        taskClasses,
        environment,
        ...(adapter.skill_to_invoke ? { skillToInvoke: adapter.skill_to_invoke } : {}),
        ...(adapter.hermes?.session ? { sessionId: adapter.hermes.session } : {}),
        ...(apiKey ? { apiKey } : {}),
        ...(attempt ? { attemptTimeoutMs: attempt } : {}),
        ...(retries !== undefined ? { retries } : {}),
        ...(cost ? { costPerInvocation: cost } : {}),
        ...(machine.approvals ? { approvals: machine.approvals } : {}),
        ...(machine.signer ? { signer: machine.signer } : {}),
        cli: {
          ...(command ? { command } : {}),
          ...(attempt ? { timeoutMs: attempt } : {}),
          ...(environment ? { env: { ...process.env, ...environment } } : {}),
        },
      });
    }
    case 'subprocess':
      return createSubprocessAdapter({
        ...common,
        command: endpoint ?? '',
        groupDir,
        taskClasses,
        ...(attempt ? { timeoutMs: attempt } : {}),
        ...(machine.policy ? { policy: machine.policy } : {}),
        ...(machine.signer ? { signer: machine.signer } : {}),
        ...(machine.isolation ? { isolation: machine.isolation } : {}),
      });
    default:
      return createHuman(groupDir, role, adapter, machine, file, diagnostics, taskClasses);
  }
}

async function loadInlineMember(
  groupDir: string,
  role: string,
  machine: MachineAdapterSettings,
  missing: readonly Diagnostic[],
): Promise<LoadedMemberAdapter> {
  const path = join(groupDir, 'manifest.yaml');
  const manifest = await loadGroupManifest(path, { root: groupDir });
  const entry = manifest.value?.members.find((member) => member.role === role);
  const diagnostics: Diagnostic[] = [];
  if (entry?.agent_kind === 'human')
    return {
      adapter: createHuman(groupDir, role, entry, machine, path, diagnostics),
      diagnostics,
    };
  if (entry?.agent_kind === 'foreign' && entry.adapter)
    return {
      adapter: createForeign(groupDir, role, entry.adapter, machine, path, diagnostics),
      diagnostics,
    };
  return { diagnostics: manifest.value ? missing : [...missing, ...manifest.diagnostics] };
}

/**
 * Reads `members/<role>.yaml` of the group in `groupDir` — or, when there is none, the member's
 * inline entry in the group's `manifest.yaml` (a person, a foreign agent with an inline adapter)
 * — and creates the adapter it describes (Annex B, section 8). Keys come by reference, from the
 * member file or from `machine`. A native member, or a file with errors, gives no adapter and
 * says why; nothing in the file is thrown. A member file or manifest that a symbolic link leads
 * out of the group is not read (`file/outside-root`).
 */
export async function loadMemberAdapter(
  groupDir: string,
  role: string,
  machine: MachineAdapterSettings = {},
): Promise<LoadedMemberAdapter> {
  const path = join(groupDir, 'members', `${role}.yaml`);
  // Inside the group only: a member file a symlink leads out of it is file/outside-root.
  const loaded = await loadMemberFile(path, { root: groupDir });
  const member = loaded.value?.member;
  if (!member) {
    const notFound = loaded.diagnostics.some((diagnostic) => diagnostic.code === 'file/missing');
    return notFound
      ? loadInlineMember(groupDir, role, machine, loaded.diagnostics)
      : { diagnostics: loaded.diagnostics };
  }
  const diagnostics = [...loaded.diagnostics];
  if (member.agent_kind === 'human')
    return {
      adapter: createHuman(groupDir, member.role, member, machine, path, diagnostics),
      diagnostics,
    };
  if (member.agent_kind !== 'foreign')
    return {
      diagnostics: [
        ...diagnostics,
        createDiagnostic({
          code: 'adapter/not-foreign',
          message: `${member.role} is a ${member.agent_kind} member: it has no adapter`,
          file: path,
        }),
      ],
    };
  return {
    adapter: createForeign(groupDir, member.role, member.adapter, machine, path, diagnostics),
    diagnostics,
  };
}
