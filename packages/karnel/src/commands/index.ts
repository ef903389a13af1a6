import type { Command } from 'commander';
import type { CliContext } from '../output';
import { registerApprovalsCommand } from './approvals';
import { registerCuratorCommand } from './curator';
import { registerDashboardCommand } from './dashboard';
import { registerExecutorCommand } from './executor';
import { registerGroupCommand } from './group';
import { registerInboxCommand } from './inbox';
import { registerInitCommand } from './init';
import { registerKeysCommand } from './keys';
import { registerLedgerCommand } from './ledger';
import { registerMemberCommand } from './member';
import { registerMemoryCommand } from './memory';
import { registerMigrateCommand } from './migrate';
import { registerRunCommand } from './run';
import { registerRunSkillCommand } from './run-skill';
import { registerRunsCommand } from './runs';
import { registerSafeModeCommand } from './safe-mode';
import { registerSkillsCommand } from './skills';
import { registerStatusCommand } from './status';
import { registerTiersCommand } from './tiers';
import { registerValidateCommand } from './validate';
import { registerWakeCommand } from './wake';

/** Adds one top-level command (with its subcommands) to the program. */
export type RegisterCommand = (program: Command, context: CliContext) => void;

/**
 * Every top-level command, in the order `karnel --help` lists them. Each lives in its own file
 * in this folder, named after the command.
 */
export const commands: readonly RegisterCommand[] = [
  registerInitCommand,
  registerValidateCommand,
  registerLedgerCommand,
  registerKeysCommand,
  registerMemoryCommand,
  registerSkillsCommand,
  registerRunSkillCommand,
  registerApprovalsCommand,
  registerSafeModeCommand,
  registerInboxCommand,
  registerTiersCommand,
  registerRunCommand,
  registerExecutorCommand,
  registerStatusCommand,
  registerRunsCommand,
  registerWakeCommand,
  registerGroupCommand,
  registerMemberCommand,
  registerMigrateCommand,
  registerCuratorCommand,
  registerDashboardCommand,
];
