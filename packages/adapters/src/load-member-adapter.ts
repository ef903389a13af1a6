import { join } from 'node:path';
import {
  type AuditLog,
  createDiagnostic,
  type Diagnostic,
  type LedgerReader,
  type Signer,
} from '@karnel/core';
import { loadMemberFile } from '@karnel/manifest';
import type { IsolationMode, PolicyDecider } from '@karnel/workers';
import type { ForeignAgentAdapter } from './adapter';
import { type ApprovalQueuePort, createHermesAdapter } from './hermes-adapter';
import { createHttpAdapter } from './http-adapter';
import { createHumanAdapter } from './human-adapter';
import type { InboxNotifier } from './inbox-notifier';
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
}

/** What {@link loadMemberAdapter} found. */
export interface LoadedMemberAdapter {
  /** The adapter, when the member file is valid and names a foreign or human member. */
  readonly adapter?: ForeignAgentAdapter;
  /** Problems with file, line and column; errors mean there is no adapter. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Reads `members/<role>.yaml` of the group in `groupDir` and creates the adapter it describes
 * (Annex B, section 8). A native member, or a file with errors, gives no adapter and says why;
 * nothing in the file is thrown.
 */
export async function loadMemberAdapter(
  groupDir: string,
  role: string,
  machine: MachineAdapterSettings = {},
): Promise<LoadedMemberAdapter> {
  const path = join(groupDir, 'members', `${role}.yaml`);
  const loaded = await loadMemberFile(path);
  const member = loaded.value?.member;
  if (!member) return { diagnostics: loaded.diagnostics };
  const common = { role: member.role, ledger: machine.ledger };
  if (member.agent_kind === 'human')
    return {
      diagnostics: loaded.diagnostics,
      adapter: createHumanAdapter({
        ...common,
        groupDir,
        escalationOnly: member.escalation_only,
        ...(machine.notifiers ? { notifiers: machine.notifiers } : {}),
      }),
    };
  if (member.agent_kind !== 'foreign')
    return {
      diagnostics: [
        ...loaded.diagnostics,
        createDiagnostic({
          code: 'adapter/not-foreign',
          message: `${member.role} is a ${member.agent_kind} member: it has no adapter`,
          file: path,
        }),
      ],
    };
  const { adapter } = member;
  const endpoint = machine.endpoint ?? adapter.endpoint ?? '';
  const taskClasses = adapter.task_classes;
  const environment = machine.environment;
  switch (adapter.type) {
    case 'http':
      return {
        diagnostics: loaded.diagnostics,
        adapter: createHttpAdapter({
          ...common,
          endpoint,
          taskClasses,
          environment,
          ...(machine.signingKey ? { signingKey: machine.signingKey } : {}),
        }),
      };
    case 'hermes':
      return {
        diagnostics: loaded.diagnostics,
        adapter: createHermesAdapter({
          ...common,
          endpoint,
          taskClasses,
          environment,
          ...(adapter.skill_to_invoke ? { skillToInvoke: adapter.skill_to_invoke } : {}),
          ...(machine.apiKey ? { apiKey: machine.apiKey } : {}),
          ...(machine.approvals ? { approvals: machine.approvals } : {}),
          ...(machine.signer ? { signer: machine.signer } : {}),
        }),
      };
    case 'subprocess':
      return {
        diagnostics: loaded.diagnostics,
        adapter: createSubprocessAdapter({
          ...common,
          command: endpoint,
          groupDir,
          taskClasses,
          ...(machine.policy ? { policy: machine.policy } : {}),
          ...(machine.signer ? { signer: machine.signer } : {}),
          ...(machine.isolation ? { isolation: machine.isolation } : {}),
        }),
      };
    default:
      return {
        diagnostics: loaded.diagnostics,
        adapter: createHumanAdapter({
          ...common,
          groupDir,
          taskClasses,
          ...(machine.notifiers ? { notifiers: machine.notifiers } : {}),
        }),
      };
  }
}
