import { join } from 'node:path';
import { escapeTerminalText, pathKind } from '@karnel/core';
import {
  APPROVAL_STATUSES,
  type ApprovalRequest,
  type ApprovalStatus,
  signApprovalDecision,
} from '@karnel/policy';
import { ExitCode } from '../exit-codes';
import { loadRuntime } from '../load-runtime';
import type { CliContext } from '../output';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';
import {
  openPolicyDirectory,
  reportPolicyErrors,
  requireOperatorKey,
  toTerminalSafeJson,
} from './policy-dir';

/** Escapes text that came from a request, a file or an argument, for one line of output. */
const safe = (text: string): string => escapeTerminalText(text);

function parseOutputFormat(value: string | undefined): 'text' | 'json' {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new UsageError(`unknown format "${safe(value)}"; expected text or json`);
}

function line(request: ApprovalRequest): string {
  return safe(
    `${request.id}  ${request.status.padEnd(9)}  ${request.actor}  ${request.capability}  expires ${request.expires_at}  ${request.reason}`,
  );
}

function details(request: ApprovalRequest): string {
  const decision = request.decision;
  const rows = [
    `id:           ${request.id}`,
    `status:       ${request.status}`,
    `actor:        ${request.actor}`,
    `capability:   ${request.capability}`,
    `reason:       ${request.reason}`,
    ...(request.rule ? [`rule:         ${request.rule}`] : []),
    ...(request.requested_by ? [`requested by: ${request.requested_by}`] : []),
    `requested at: ${request.requested_at}`,
    `expires at:   ${request.expires_at}`,
    `action hash:  ${request.action_hash}`,
    ...(decision
      ? [
          `decision:     ${decision.decision} by ${decision.signer} at ${decision.signed_at}${decision.comment ? ` (${decision.comment})` : ''}`,
        ]
      : []),
    ...(request.used
      ? [`used:         ${request.used.at}${request.used.by ? ` by ${request.used.by}` : ''}`]
      : []),
    ...(request.closed ? [`closed:       ${request.closed.at}: ${request.closed.reason}`] : []),
  ].map(safe);
  // The action is the one whose hash is recorded (the queue refuses a copy that differs); its
  // JSON escapes control characters inside strings, and keys are escaped here as well.
  const action = toTerminalSafeJson(request.action)
    .split('\n')
    .map((text) => `  ${safe(text)}`);
  return [...rows, 'action:', ...action].join('\n');
}

/**
 * Why no request of the group in `dir` may be answered here: a handed-off folder (the group runs
 * where its bundle was imported, and waits for its approvals there) or a dissolved group. Read
 * from the ledger by `@karnel/runtime`; `undefined` for an agent directory, an active or paused
 * group, or when the optional runtime package is not installed.
 */
async function stoppedGroup(dir: string): Promise<string | undefined> {
  let runtime: Awaited<ReturnType<typeof loadRuntime>>;
  try {
    runtime = await loadRuntime();
  } catch {
    return undefined;
  }
  if ((await pathKind(join(dir, 'manifest.yaml'))) !== 'file') return undefined;
  const state = await runtime.groupLifecycleState(dir).catch((error: unknown) => {
    if (runtime.MigrationError.isInstance(error) && error.code === 'migration/not-a-group')
      return undefined;
    throw error;
  });
  const since = state?.since ? ` (ledger entry ${state.since.seq})` : '';
  if (state?.state === 'handed-off')
    return `${dir} was handed off${since}: answer approvals where the group runs now`;
  if (state?.state === 'dissolved')
    return `${dir} was dissolved${since}: no run will use an answer`;
  return undefined;
}

async function answer(
  context: CliContext,
  dir: string,
  id: string,
  decision: 'approve' | 'deny' | 'revoke',
  options: { key?: string; comment?: string },
) {
  const signer = await requireOperatorKey(options.key);
  const stopped = await stoppedGroup(dir);
  if (stopped) {
    context.output.err(safe(`error: ${stopped}`));
    context.setExitCode(ExitCode.failure);
    return;
  }
  const policy = await openPolicyDirectory(dir, signer);
  try {
    // get() checks the stored request against the ledger and its action against the recorded
    // hash, so what is signed is what the ledger says was asked.
    const request = await policy.approvals.get(id);
    if (!request) {
      context.output.err(`error: no approval request ${safe(id)} in ${safe(dir)}`);
      context.setExitCode(ExitCode.failure);
      return;
    }
    const result =
      decision === 'revoke'
        ? await policy.approvals.revoke(id, {
            signer,
            ...(options.comment !== undefined ? { reason: options.comment } : {}),
          })
        : await policy.approvals.decide(
            signApprovalDecision(request, signer, {
              decision,
              ...(options.comment !== undefined ? { comment: options.comment } : {}),
            }),
          );
    if (!result.ok) {
      context.output.err(safe(`error: ${decision} refused (${result.code}): ${result.reason}`));
      context.setExitCode(ExitCode.failure);
      return;
    }
    const done = { approve: 'approved', deny: 'denied', revoke: 'revoked' }[decision];
    context.output.out(safe(`${done} ${id} (${request.capability}) as ${signer.did}`));
  } finally {
    await policy.ledger.close();
  }
}

const descriptions = {
  approve:
    'Approve a pending request: signs its id, requester, capability, action hash and expiry with your key. Exits 1 if the key is not authorised, the request is not pending, or its stored copy disagrees with the ledger.',
  deny: 'Deny a pending request, with a signature. Exits 1 if the key is not authorised or the request is not pending.',
  revoke:
    'Withdraw a pending or approved, unused request; recorded in the ledger, signed with your key. Exits 1 if the key is not authorised.',
} as const;

/** Registers `karnel approvals list|show|approve|deny|revoke`. */
export const registerApprovalsCommand: RegisterCommand = (program, context) => {
  const approvals = program
    .command('approvals')
    .description(
      'Review the approval queue of an agent or group: list, show, and approve, deny or revoke requests with a signature. The ledger is the record; a tampered request file is refused.',
    );

  approvals
    .command('list')
    .description('List approval requests, oldest first (pending ones by default).')
    .argument('[dir]', 'the agent or group directory', '.')
    .option(
      '--status <status>',
      `only requests with this status: ${APPROVAL_STATUSES.join(', ')}, or all`,
      'pending',
    )
    .option('-f, --format <format>', 'output format: text or json', 'text')
    .action(async (dir: string, options: { status: string; format?: string }) => {
      const format = parseOutputFormat(options.format);
      if (
        options.status !== 'all' &&
        !APPROVAL_STATUSES.includes(options.status as ApprovalStatus)
      ) {
        throw new UsageError(
          `unknown status "${safe(options.status)}"; expected one of ${APPROVAL_STATUSES.join(', ')}, all`,
        );
      }
      await reportPolicyErrors(context, async () => {
        const policy = await openPolicyDirectory(dir, undefined, { readOnly: true });
        try {
          const requests = await policy.approvals.list(
            options.status === 'all' ? {} : { status: options.status as ApprovalStatus },
          );
          if (format === 'json') context.output.out(toTerminalSafeJson({ approvals: requests }));
          else
            context.output.out(
              requests.length === 0
                ? `no ${options.status === 'all' ? '' : `${options.status} `}approval requests`
                : requests.map(line).join('\n'),
            );
        } finally {
          await policy.ledger.close();
        }
      });
    });

  approvals
    .command('show')
    .description('Show one approval request: who asks, for what, why, and the exact action.')
    .argument('<dir>', 'the agent or group directory')
    .argument('<id>', 'the request id (apr_…)')
    .option('-f, --format <format>', 'output format: text or json', 'text')
    .action(async (dir: string, id: string, options: { format?: string }) => {
      const format = parseOutputFormat(options.format);
      await reportPolicyErrors(context, async () => {
        const policy = await openPolicyDirectory(dir, undefined, { readOnly: true });
        try {
          const request = await policy.approvals.get(id);
          if (!request) {
            context.output.err(`error: no approval request ${safe(id)} in ${safe(dir)}`);
            context.setExitCode(ExitCode.failure);
            return;
          }
          context.output.out(format === 'json' ? toTerminalSafeJson(request) : details(request));
        } finally {
          await policy.ledger.close();
        }
      });
    });

  for (const decision of ['approve', 'deny', 'revoke'] as const) {
    approvals
      .command(decision)
      .description(descriptions[decision])
      .argument('<dir>', 'the agent or group directory')
      .argument('<id>', 'the request id (apr_…)')
      .option('-k, --key <file>', 'your private key file (default: $KARNEL_KEY_FILE)')
      .option(
        '-m, --comment <text>',
        decision === 'revoke'
          ? 'why, recorded with the revocation'
          : 'a comment recorded with the decision',
      )
      .action((dir: string, id: string, options: { key?: string; comment?: string }) =>
        reportPolicyErrors(context, () => answer(context, dir, id, decision, options)),
      );
  }
};
