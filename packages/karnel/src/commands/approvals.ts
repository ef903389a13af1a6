import {
  APPROVAL_STATUSES,
  type ApprovalRequest,
  type ApprovalStatus,
  signApprovalDecision,
} from '@karnel/policy';
import { ExitCode } from '../exit-codes';
import type { CliContext } from '../output';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';
import { openPolicyDirectory, readOperatorKey } from './policy-dir';

function parseOutputFormat(value: string | undefined): 'text' | 'json' {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new UsageError(`unknown format "${value}"; expected text or json`);
}

function line(request: ApprovalRequest): string {
  return `${request.id}  ${request.status.padEnd(9)}  ${request.actor}  ${request.capability}  expires ${request.expires_at}  ${request.reason}`;
}

function details(request: ApprovalRequest): string {
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
    ...(request.decision
      ? [
          `decision:     ${request.decision.decision} by ${request.decision.signer} at ${request.decision.signed_at}${request.decision.comment ? ` (${request.decision.comment})` : ''}`,
        ]
      : []),
    ...(request.used
      ? [`used:         ${request.used.at}${request.used.by ? ` by ${request.used.by}` : ''}`]
      : []),
    ...(request.closed ? [`closed:       ${request.closed.at}: ${request.closed.reason}`] : []),
    'action:',
    JSON.stringify(request.action, null, 2)
      .split('\n')
      .map((text) => `  ${text}`)
      .join('\n'),
  ];
  return rows.join('\n');
}

async function answer(
  context: CliContext,
  dir: string,
  id: string,
  decision: 'approve' | 'deny',
  options: { key?: string; comment?: string },
) {
  const signer = await readOperatorKey(options.key, true);
  const policy = await openPolicyDirectory(dir, signer);
  try {
    const request = await policy.approvals.get(id);
    if (!request) {
      context.output.err(`error: no approval request ${id} in ${dir}`);
      context.setExitCode(ExitCode.failure);
      return;
    }
    const signed = signApprovalDecision(request, signer!, {
      decision,
      ...(options.comment !== undefined ? { comment: options.comment } : {}),
    });
    const result = await policy.approvals.decide(signed);
    if (!result.ok) {
      context.output.err(`error: ${decision} refused (${result.code}): ${result.reason}`);
      context.setExitCode(ExitCode.failure);
      return;
    }
    context.output.out(
      `${decision === 'approve' ? 'approved' : 'denied'} ${id} (${request.capability}) as ${signer!.did}`,
    );
  } finally {
    await policy.ledger.close();
  }
}

/** Registers `karnel approvals list|show|approve|deny`. */
export const registerApprovalsCommand: RegisterCommand = (program, context) => {
  const approvals = program
    .command('approvals')
    .description(
      'Review the approval queue of an agent or group: list, show, and approve or deny requests with a signature.',
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
          `unknown status "${options.status}"; expected one of ${APPROVAL_STATUSES.join(', ')}, all`,
        );
      }
      const policy = await openPolicyDirectory(dir);
      try {
        const requests = await policy.approvals.list(
          options.status === 'all' ? {} : { status: options.status as ApprovalStatus },
        );
        if (format === 'json') context.output.out(JSON.stringify({ approvals: requests }, null, 2));
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

  approvals
    .command('show')
    .description('Show one approval request: who asks, for what, why, and the exact action.')
    .argument('<dir>', 'the agent or group directory')
    .argument('<id>', 'the request id (apr_…)')
    .option('-f, --format <format>', 'output format: text or json', 'text')
    .action(async (dir: string, id: string, options: { format?: string }) => {
      const format = parseOutputFormat(options.format);
      const policy = await openPolicyDirectory(dir);
      try {
        const request = await policy.approvals.get(id);
        if (!request) {
          context.output.err(`error: no approval request ${id} in ${dir}`);
          context.setExitCode(ExitCode.failure);
          return;
        }
        context.output.out(format === 'json' ? JSON.stringify(request, null, 2) : details(request));
      } finally {
        await policy.ledger.close();
      }
    });

  for (const decision of ['approve', 'deny'] as const) {
    approvals
      .command(decision)
      .description(
        decision === 'approve'
          ? 'Approve a pending request: signs its id and action hash with your key. Exits 1 if the key is not authorised or the request is not pending.'
          : 'Deny a pending request, with a signature. Exits 1 if the key is not authorised or the request is not pending.',
      )
      .argument('<dir>', 'the agent or group directory')
      .argument('<id>', 'the request id (apr_…)')
      .option('-k, --key <file>', 'your private key file (default: $KARNEL_KEY_FILE)')
      .option('-m, --comment <text>', 'a comment recorded with the decision')
      .action((dir: string, id: string, options: { key?: string; comment?: string }) =>
        answer(context, dir, id, decision, options),
      );
  }
};
