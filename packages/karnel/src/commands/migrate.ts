import { escapeTerminalText } from '@karnel/core';
import { loadRuntime } from '../load-runtime';
import type { CliContext } from '../output';
import type { RegisterCommand } from './index';
import { reportPolicyErrors, requireOperatorKey } from './policy-dir';

const safe = (text: string) => escapeTerminalText(text);

async function exportCommand(
  context: CliContext,
  dir: string,
  options: { to: string; key?: string },
): Promise<void> {
  const signer = await requireOperatorKey(options.key);
  const { exportGroup } = await loadRuntime();
  const result = await exportGroup({ dir, bundle: options.to, signer });
  const out = context.output.out;
  out(
    safe(
      `handed off ${result.group} at ledger entry ${result.handoff.seq} (checkpoint of ${result.checkpoint.size} entries, root ${result.checkpoint.root}), signed by ${signer.did}`,
    ),
  );
  out(safe(`wrote ${options.to}: ${result.files} files, ${result.bytes} bytes`));
  out(
    safe(
      `${dir} is now handed off: runs there are refused. Import the bundle with "karnel migrate import ${options.to} --into <dir>", or cancel with "karnel group resume ${dir}".`,
    ),
  );
}

async function importCommand(
  context: CliContext,
  bundle: string,
  options: {
    into: string;
    expectOwner?: string;
    machineFile?: string;
    ollamaHost?: string;
    adapterChecks?: boolean;
  },
): Promise<void> {
  const { importGroup } = await loadRuntime();
  const result = await importGroup({
    bundle,
    into: options.into,
    ...(options.expectOwner ? { expectOwner: options.expectOwner } : {}),
    requirements: {
      ...(options.machineFile ? { machineFile: options.machineFile } : {}),
      ...(options.ollamaHost ? { ollamaHost: options.ollamaHost } : {}),
      skipAdapterChecks: options.adapterChecks === false,
    },
  });
  const out = context.output.out;
  if (result.warnings) out(escapeTerminalText(result.warnings, { multiline: true }));
  out(
    safe(
      `imported ${result.group} into ${options.into}: ${result.files} files verified, ledger verified (${result.entries} entries, hand-off at entry ${result.handoff.seq} signed by the owner ${result.owner})`,
    ),
  );
  if (result.unresolved.length === 0) {
    out('every tier and adapter the group needs resolves on this machine');
  } else {
    out('not resolved on this machine (configure it before the first run):');
    for (const problem of result.unresolved)
      out(
        safe(
          `  ${problem.kind} ${problem.name} (needed by ${problem.neededBy.join(', ')}): ${problem.reason}`,
        ),
      );
  }
  out(
    'the first run here appends migration.resumed, linking the hand-off with a consistency proof',
  );
}

/** Registers `karnel migrate export|import` (Annex E). */
export const registerMigrateCommand: RegisterCommand = (program, context) => {
  const migrate = program
    .command('migrate')
    .description(
      'Move a group to another runtime or folder as the same group (Annex E): export a signed hand-off bundle, import and verify it.',
    );

  migrate
    .command('export')
    .description(
      'Hand the group off: refuses while a runtime holds its lease; appends an owner-signed hand-off record (ledger checkpoint and every file hash) and writes a tar bundle with a manifest of hashes.',
    )
    .argument('<dir>', 'the group directory')
    .requiredOption('--to <bundle>', 'the bundle file to write (must not exist)')
    .option('-k, --key <file>', "the owner's private key file (default: $KARNEL_KEY_FILE)")
    .action((dir: string, options: { to: string; key?: string }) =>
      reportPolicyErrors(context, () => exportCommand(context, dir, options)),
    );

  migrate
    .command('import')
    .description(
      'Verify a bundle (every hash, the owner signatures, the ledger end to end, the manifests) and put the group in place; report the tiers and adapters this machine cannot resolve. Nothing starts.',
    )
    .argument('<bundle>', 'the bundle file')
    .requiredOption('--into <dir>', 'where the group goes (a new path or an empty folder)')
    .option('--expect-owner <did>', "refuse unless the bundle's owner is this identity")
    .option('--machine-file <file>', 'the machine-level tiers.yaml to read instead of the default')
    .option('--ollama-host <url>', 'the Ollama server to probe')
    .option('--no-adapter-checks', "do not call the foreign members' adapters")
    .action(
      (
        bundle: string,
        options: {
          into: string;
          expectOwner?: string;
          machineFile?: string;
          ollamaHost?: string;
          adapterChecks?: boolean;
        },
      ) => reportPolicyErrors(context, () => importCommand(context, bundle, options)),
    );
};
