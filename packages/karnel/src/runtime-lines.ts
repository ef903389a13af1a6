import { join } from 'node:path';
import { escapeTerminalText, pathKind } from '@karnel/core';
import type { DueWake, RuntimeEvent, WakeReason } from '@karnel/runtime';
import { validatePaths } from '@karnel/validate';
import { CommandError } from './command-error';
import type { CliOutput } from './output';
import { printDiagnostics } from './output';

/** One line of user-controlled text, safe for a terminal. */
export const safe = (text: string): string => escapeTerminalText(text);

/** `cadence daily, never run; message msg_… from writer` */
export function describeReasons(reasons: readonly WakeReason[]): string {
  const shown = reasons
    .slice(0, 3)
    .map((reason) => (reason.kind === 'manual' ? `asked: ${reason.detail}` : reason.detail));
  if (reasons.length > 3) shown.push(`and ${reasons.length - 3} more`);
  return shown.join('; ');
}

/** One line of the live log for a runtime event, escaped. */
export function eventLine(event: RuntimeEvent, now: Date): string {
  const time = now.toISOString().slice(11, 19);
  switch (event.type) {
    case 'wake':
      return safe(`${time} wake     ${event.member}: ${describeReasons(event.reasons)}`);
    case 'run-started':
      return safe(
        `${time} run      ${event.member} ${event.runId}${event.label ? ` (${event.label})` : ''}${event.resume ? ' (resumed)' : ''}`,
      );
    case 'run-finished': {
      const { result } = event;
      const detail =
        result.status === 'parked'
          ? `parked, waiting on ${result.waitingOn ?? '?'}`
          : result.status === 'failed' || result.status === 'abandoned'
            ? `${result.status}: ${result.error ?? 'no reason given'}`
            : result.status;
      return safe(
        `${time} done     ${event.member} ${event.runId}${event.label ? ` (${event.label})` : ''} ${detail} (${result.steps} steps, cost ${result.cost})`,
      );
    }
    case 'run-refused':
      return safe(`${time} refused  ${event.member} ${event.runId}: ${event.why}`);
    case 'curator-pass':
      return safe(
        `${time} curator  pass ${event.pass}: ${event.archived} archived, ${event.stale} stale${event.archived > 0 ? ' (karnel curator rollback <dir> <mutation> undoes one)' : ''}`,
      );
    case 'wake-held':
      return safe(`${time} held     ${event.member}: ${event.why}; it runs once nothing holds it`);
    case 'member-paused':
      return safe(`${time} paused   ${event.member}: ${event.why}; the owner was escalated to`);
    case 'lease-taken':
      return safe(
        `${time} lease    taken by pid ${event.holder.pid} on ${event.holder.host}${event.tookOverFrom ? ` (took over the stale lease of pid ${event.tookOverFrom.pid} on ${event.tookOverFrom.host})` : ''}`,
      );
    case 'warning':
      return safe(`${time} warning  ${event.message}`);
    case 'error':
      return safe(`${time} error    ${event.message}`);
    default:
      return '';
  }
}

/** One line per member: due now and why, next clock wake, waiting, paused. */
export function dueLine(wake: DueWake, width: number): string {
  const role = wake.member.padEnd(width);
  if (wake.paused) return safe(`${role}  paused: ${wake.pausedWhy ?? 'by the owner'}`);
  if (wake.reasons.length > 0) {
    const held = wake.heldBy ?? (wake.safeMode ? 'safe mode' : undefined);
    return safe(
      `${role}  ${held ? `due, held (${held})` : 'due now'}: ${describeReasons(wake.reasons)}`,
    );
  }
  if (wake.nextWakeAt)
    return safe(
      `${role}  next ${wake.nextWakeAt.toISOString()} (${wake.nextWakeWhy ?? 'cadence'})`,
    );
  return safe(`${role}  waits for messages or a manual wake`);
}

/**
 * Checks the group as `karnel validate` does; when it does not validate, prints the diagnostics
 * and throws, so that nothing starts on a broken group.
 */
export async function requireValidGroup(dir: string, output: CliOutput): Promise<void> {
  const result = await validatePaths([dir]);
  if (result.valid) return;
  printDiagnostics(
    output,
    result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error'),
    'text',
  );
  throw new CommandError(`${safe(dir)} does not validate; the runtime will not start`);
}

/** Refuses a path that is not a group directory (no folder, or no `manifest.yaml` in it). */
export async function requireGroupDir(dir: string): Promise<void> {
  if ((await pathKind(dir)) !== 'folder')
    throw new CommandError(`${safe(dir)} is not a group directory (no such folder)`);
  if ((await pathKind(join(dir, 'manifest.yaml'))) !== 'file')
    throw new CommandError(`${safe(dir)} is not a group directory (no manifest.yaml)`);
}
