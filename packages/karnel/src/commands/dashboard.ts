import { escapeTerminalText } from '@karnel/core';
import { detectDirectoryKind } from '@karnel/manifest';
import { CommandError } from '../command-error';
import { loadDashboard } from '../load-dashboard';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';

const safe = (text: string) => escapeTerminalText(text);

interface DashboardCommandOptions {
  host: string;
  port: string;
  token?: string;
  key?: string;
  checkpoint?: string;
}

/** Registers `karnel dashboard <dir>`. */
export const registerDashboardCommand: RegisterCommand = (program, context) => {
  program
    .command('dashboard')
    .description(
      "Serve the owner's web view of a group: what needs you, org chart, goals, approvals, live runs, the ledger, budgets, memory and skills. Binds 127.0.0.1; every request needs the token it prints.",
    )
    .argument('<dir>', 'the group directory')
    .option(
      '--host <host>',
      'address to listen on; anything but loopback needs --token',
      '127.0.0.1',
    )
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '4780')
    .option(
      '--token <token>',
      'the access token (default: $KARNEL_DASHBOARD_TOKEN, else a random one printed at start)',
    )
    .option(
      '-k, --key <file>',
      'the key that signs approvals and safe-mode changes on the server (default: $KARNEL_KEY_FILE); without it the dashboard is read-only',
    )
    .option('--checkpoint <file>', 'a checkpoint kept elsewhere, to verify the ledger against')
    .addHelpText(
      'after',
      '\nExample:\n  karnel dashboard examples/newsletter-co --key ~/.karnel/owner.key.json\n',
    )
    .action(async (dir: string, options: DashboardCommandOptions) => {
      const port = Number(options.port);
      if (!/^\d{1,5}$/.test(options.port) || port > 65_535)
        throw new UsageError(
          `--port must be a number from 0 to 65535, not "${safe(options.port)}"`,
        );
      const token = options.token ?? process.env.KARNEL_DASHBOARD_TOKEN;
      if (token !== undefined && token.length < 16)
        throw new UsageError('the token must be at least 16 characters');
      const loopback = ['127.0.0.1', '::1', 'localhost'].includes(options.host);
      if (!loopback && (token === undefined || token.length < 32))
        throw new UsageError(
          `--host ${safe(options.host)} makes the dashboard reachable from other machines: pass --token with at least 32 characters (or set KARNEL_DASHBOARD_TOKEN)`,
        );
      const detected = await detectDirectoryKind(dir);
      if (detected.kind !== 'group')
        throw new CommandError(
          `${safe(dir)} is not a group directory${detected.diagnostics[0] ? `: ${safe(detected.diagnostics[0].message)}` : ''}`,
        );
      const keyFile = options.key ?? process.env.KARNEL_KEY_FILE;
      const { serveDashboard } = await loadDashboard();
      const served = await serveDashboard({
        dir,
        host: options.host,
        port,
        ...(token ? { token } : {}),
        ...(keyFile ? { keyFile } : {}),
        ...(options.checkpoint ? { checkpointFile: options.checkpoint } : {}),
        warn: (message) => context.output.err(safe(message)),
      });
      context.output.out(`dashboard for ${safe(dir)} at ${served.url}`);
      context.output.out(
        served.dashboard.signerDid
          ? `signing approvals and safe mode as ${served.dashboard.signerDid}`
          : 'read-only: pass --key to approve and switch safe mode from the page',
      );
      await new Promise<void>((resolvePromise) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          served.close().then(resolvePromise, resolvePromise);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
};
