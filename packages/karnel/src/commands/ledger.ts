import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  createDiagnostic,
  type Diagnostic,
  type DiagnosticFormat,
  escapeTerminalText,
  formatDiagnostics,
  parseYaml,
  type RecordValidator,
  type Signer,
  sortDiagnostics,
  validateDocument,
  writeFileAtomic,
} from '@karnel/core';
import {
  appendRecordInput,
  type Checkpoint,
  type Ledger,
  type LedgerEntry,
  openLedger,
  parseCheckpoint,
  type RecordInput,
  readLedgerEntries,
  recordInputSchema,
  verifyInclusion,
  verifyLedger,
} from '@karnel/ledger';
import { CommandError } from '../command-error';
import { ExitCode } from '../exit-codes';
import { formatOption } from '../format-option';
import { resolveLedgerFolder } from '../ledger-folder';
import { requireOperatorKey } from '../operator-key';
import {
  type CliContext,
  escapeDiagnostic,
  escapeJsonForTerminal,
  printDiagnostics,
} from '../output';
import { requireWritableFile } from '../output-file';
import { loadRecordValidators } from '../record-validators';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';

/** Registers `karnel ledger …`: append, verify, log, checkpoint, prove. */
export const registerLedgerCommand: RegisterCommand = (program, context) => {
  const ledger = program
    .command('ledger')
    .description(
      'Read, write and audit hash-chained ledgers: append records, verify integrity, list entries, sign checkpoints and prove inclusion.',
    )
    .addHelpText(
      'after',
      '\n<dir> is a ledger folder, or an agent or group directory whose ledger/ folder is used.\n',
    );

  ledger
    .command('append')
    .description(
      'Append one record (or a JSON array of records) read from a JSON or YAML file, or from standard input with "-".',
    )
    .argument('<dir>', 'an existing ledger folder, or an agent or group directory')
    .argument('<input>', 'a JSON or YAML file with the record, or - for standard input')
    .option('-k, --key <file>', 'private key file to sign the entries with')
    .option('--create', 'start a new ledger at <dir> when nothing is there yet')
    .addOption(formatOption(['text', 'json'], 'output format: text or json'))
    .addHelpText(
      'after',
      `
Records (the type chooses the shape; any other dotted lowercase type is a generic record):
  {"type":"run.started","run_id":"run_…","manifest":{…}}       run_id optional
  {"type":"run.step","run_id":"run_…","step":{…}}
  {"type":"run.finished","run_id":"run_…","outcome":{…}}
  {"type":"decision.recorded","context":{…},"reasoning":"…","outcome":{…}}
  {"type":"decision.outcome","decision_id":"dec_…","outcome":{…}}
  {"type":"outcome.recorded","goals":["g_subs"],"outcome":{…}}
  {"type":"coordination.logged","event":{…}}
  {"type":"approval.requested","body":{…},"files":{"name.txt":"content"}}

Example:
  echo '{"type":"spend.recorded","body":{"at":"2026-05-03T10:00:00Z","amount":"0.42","currency":"USD","model_class":"fast-general"}}' \\
    | karnel ledger append my-group -
  (spend.recorded bodies follow @karnel/treasury's record schema, so balances derive from them.)
`,
    )
    .action(
      async (
        dir: string,
        input: string,
        options: { key?: string; create?: boolean; format: 'text' | 'json' },
      ) => {
        const format = options.format;
        const ledgerDir = await resolveLedgerFolder(dir, {
          append: true,
          create: options.create === true,
        });
        const file = input === '-' ? '<stdin>' : input;
        const text = input === '-' ? await readStdin() : await readInput(input);
        const document = parseYaml(text, file);
        if (Array.isArray(document.value) && document.value.length === 0) {
          throw new CommandError(
            `${escapeTerminalText(file)}: is an empty list; give one record or a list of at least one`,
          );
        }
        if (document.value === undefined || document.value === null) {
          printDiagnostics(context.output, document.diagnostics, 'text');
          if (document.diagnostics.length === 0)
            context.output.err(`error: ${escapeTerminalText(file)}: holds no record`);
          context.setExitCode(ExitCode.failure);
          return;
        }
        const items = Array.isArray(document.value) ? document.value : [document.value];
        const validators = await loadRecordValidators(dir, ledgerDir);
        const diagnostics: Diagnostic[] = [];
        const records: RecordInput[] = [];
        for (const [index, item] of items.entries()) {
          const prefix = Array.isArray(document.value) ? [index] : [];
          const itemDocument = {
            ...document,
            value: item,
            diagnostics: index === 0 ? document.diagnostics : [],
            position: (path: readonly (string | number)[], positionOptions?: { key?: boolean }) =>
              document.position([...prefix, ...path], positionOptions),
          };
          const result = validateDocument(recordInputSchema(item), itemDocument);
          diagnostics.push(...result.diagnostics);
          if (!result.value) continue;
          const refusal = checkOwnedRecord(result.value, validators);
          if (refusal === undefined) {
            records.push(result.value);
            continue;
          }
          const at = itemDocument.position(['body']);
          diagnostics.push(
            createDiagnostic({
              file,
              line: at.line,
              column: at.column,
              code: 'ledger/invalid-record',
              message: `${refusal}; nothing was appended`,
            }),
          );
        }
        if (diagnostics.some((diagnostic) => diagnostic.severity === 'error')) {
          printDiagnostics(context.output, diagnostics, 'text');
          context.setExitCode(ExitCode.failure);
          return;
        }
        printDiagnostics(context.output, diagnostics, 'text');
        const signer = options.key
          ? await requireOperatorKey(options.key, { option: '--key' })
          : undefined;
        const opened = await openWritable(dir, ledgerDir, signer, validators);
        reportRecovered(context, opened);
        try {
          for (const record of records) {
            const entry = await appendRecordInput(opened, record).catch((error: unknown) => {
              throw readOnly(dir, error) ?? error;
            });
            context.output.out(
              format === 'json'
                ? escapeJsonForTerminal(JSON.stringify(entry))
                : `appended entry ${entry.seq} ${escapeTerminalText(entry.type)} ${entry.hash}`,
            );
          }
        } finally {
          await opened.close();
        }
      },
    );

  ledger
    .command('verify')
    .description(
      'Recompute every hash, link, file digest and signature. Exits 0 when the ledger is intact, 1 naming the first bad entry.',
    )
    .argument('<dir>', 'the ledger folder')
    .option(
      '-c, --checkpoint <file>',
      'a checkpoint kept elsewhere: detects truncation and rewritten history',
    )
    .option(
      '-t, --trusted-key <identity...>',
      'identities (did:key:… or ed25519:…) whose signatures count',
    )
    .option('--require-signatures', 'report unsigned entries as errors')
    .option('--no-files', 'check only the chain, not the data files it commits to')
    .option(
      '--strict',
      'also parse every entry body as JSON (slower; catches malformed bodies behind recomputed hashes)',
    )
    .addOption(formatOption(['text', 'json', 'github'], 'output format: text, json or github'))
    .addHelpText(
      'after',
      '\nExample:\n  karnel ledger verify my-agent/ledger --checkpoint backups/checkpoint.txt\n',
    )
    .action(
      async (
        dir: string,
        options: {
          checkpoint?: string;
          trustedKey?: string[];
          requireSignatures?: boolean;
          files?: boolean;
          strict?: boolean;
          format: DiagnosticFormat;
        },
      ) => {
        const format = options.format;
        const ledgerDir = await resolveLedgerFolder(dir);
        let checkpoint: Checkpoint | undefined;
        if (options.checkpoint) {
          const parsed = await readCheckpoint(options.checkpoint);
          if (!parsed.checkpoint) {
            printDiagnostics(context.output, parsed.diagnostics, format);
            context.setExitCode(ExitCode.failure);
            return;
          }
          checkpoint = parsed.checkpoint;
        }
        const report = await verifyLedger(ledgerDir, {
          ...(checkpoint ? { checkpoint } : {}),
          ...(options.trustedKey ? { trustedKeys: options.trustedKey } : {}),
          requireSignatures: options.requireSignatures === true,
          files: options.files !== false,
          parse: options.strict === true,
          root: true,
        });
        if (format === 'json') {
          context.output.out(
            stringifyForTerminal(
              {
                ok: report.ok,
                entries: report.entries,
                root: report.root,
                head: report.head,
                signed: report.signed,
                ...(report.firstBad ? { firstBad: report.firstBad } : {}),
                diagnostics: sortDiagnostics(report.diagnostics),
              },
              null,
              2,
            ),
          );
        } else {
          printDiagnostics(context.output, report.diagnostics, format);
          const shown = escapeTerminalText(ledgerDir);
          context.output.err(
            report.firstBad
              ? `ledger ${shown} is broken: first bad entry ${report.firstBad.seq} (${report.firstBad.code}) at line ${report.firstBad.line}: ${escapeTerminalText(report.firstBad.reason)}`
              : `ledger ${shown} is intact: ${report.entries} entries, ${report.signed} signed, root ${report.root}${checkpoint ? `, consistent with the checkpoint of ${checkpoint.size}` : ''}`,
          );
        }
        context.setExitCode(report.ok ? ExitCode.ok : ExitCode.failure);
      },
    );

  ledger
    .command('log')
    .description('List the entries in chain order.')
    .argument('<dir>', 'the ledger folder')
    .option(
      '--type <type>',
      'only entries of this type or type prefix (e.g. run, approval.approved)',
    )
    .option('--from <seq>', 'start at this entry number', '0')
    .option('-n, --limit <count>', 'show at most this many entries')
    .addOption(formatOption(['text', 'json'], 'output format: text or json (one entry per line)'))
    .action(
      async (
        dir: string,
        options: { type?: string; from?: string; limit?: string; format: 'text' | 'json' },
      ) => {
        const format = options.format;
        const ledgerDir = await resolveLedgerFolder(dir);
        const fromSeq = parseCount(options.from ?? '0', '--from');
        const limit =
          options.limit === undefined
            ? Number.POSITIVE_INFINITY
            : parseCount(options.limit, '--limit');
        let shown = 0;
        const lines: string[] = [];
        for await (const entry of readLedgerEntries(ledgerDir, {
          fromSeq,
          ...(options.type ? { type: options.type } : {}),
        })) {
          if (shown >= limit) break;
          lines.push(
            format === 'json' ? escapeJsonForTerminal(JSON.stringify(entry)) : describeEntry(entry),
          );
          shown++;
          if (lines.length >= 256) context.output.out(lines.splice(0).join('\n'));
        }
        if (lines.length > 0) context.output.out(lines.join('\n'));
      },
    );

  ledger
    .command('checkpoint')
    .description(
      'Sign a checkpoint (C2SP tlog-checkpoint note) of the ledger as it is now; keep it somewhere else.',
    )
    .argument('<dir>', 'the ledger folder')
    .requiredOption('-k, --key <file>', 'private key file to sign with')
    .option('--cosign <file...>', 'more private key files to sign the same checkpoint')
    .option(
      '--origin <origin>',
      'the checkpoint origin line (default karnel.ledger/<hash of entry 0>)',
    )
    .option('-o, --output <file>', 'write the checkpoint to this file instead of standard output')
    .action(
      async (
        dir: string,
        options: { key: string; cosign?: string[]; origin?: string; output?: string },
      ) => {
        const ledgerDir = await resolveLedgerFolder(dir);
        if (options.output !== undefined) await requireWritableFile(options.output, '--output');
        const signer = await requireOperatorKey(options.key, { option: '--key' });
        const cosigners: Signer[] = [];
        for (const file of options.cosign ?? [])
          cosigners.push(await requireOperatorKey(file, { option: '--cosign' }));
        const opened = await openWritable(dir, ledgerDir);
        reportRecovered(context, opened);
        try {
          const checkpoint = await opened.checkpoint(signer, {
            cosigners,
            ...(options.origin ? { origin: options.origin } : {}),
          });
          if (options.output) {
            await writeFileAtomic(resolve(options.output), checkpoint.text);
            context.output.err(
              `checkpoint of ${checkpoint.size} entries written to ${escapeTerminalText(options.output)}`,
            );
          } else {
            context.output.out(checkpoint.text);
          }
        } finally {
          await opened.close();
        }
      },
    );

  ledger
    .command('archive')
    .description(
      'Snapshot-and-supersede: append a signed snapshot, then move every entry before it to archive/. The chain stays verifiable without the archive.',
    )
    .argument('<dir>', 'the ledger folder')
    .requiredOption('-k, --key <file>', 'private key file to sign the snapshot with')
    .action(async (dir: string, options: { key: string }) => {
      const ledgerDir = await resolveLedgerFolder(dir);
      const signer = await requireOperatorKey(options.key, { option: '--key' });
      const opened = await openWritable(dir, ledgerDir);
      reportRecovered(context, opened);
      try {
        const snapshot = await opened.snapshot(signer);
        const result = await opened.archive();
        context.output.out(
          `snapshot entry ${snapshot.seq}; archived ${result.archived} entries to ${result.segment}`,
        );
      } finally {
        await opened.close();
      }
    });

  ledger
    .command('prove')
    .description(
      'Print a Merkle inclusion proof (RFC 9162) that an entry is in the ledger, as JSON.',
    )
    .argument('<dir>', 'the ledger folder')
    .argument(
      '<entry>',
      'the entry: its number, or its hash (or a unique prefix of at least 8 hex digits)',
    )
    .option(
      '-c, --checkpoint <file>',
      'prove against this checkpoint (its size and root) instead of the current tree',
    )
    .action(async (dir: string, entryRef: string, options: { checkpoint?: string }) => {
      const ledgerDir = await resolveLedgerFolder(dir);
      let checkpoint: Checkpoint | undefined;
      if (options.checkpoint) {
        const parsed = await readCheckpoint(options.checkpoint);
        if (!parsed.checkpoint) {
          printDiagnostics(context.output, parsed.diagnostics, 'text');
          context.setExitCode(ExitCode.failure);
          return;
        }
        checkpoint = parsed.checkpoint;
      }
      const seq = await findEntry(ledgerDir, entryRef);
      if (seq === undefined) {
        context.output.err(
          `error: no entry ${escapeTerminalText(entryRef)} in ${escapeTerminalText(ledgerDir)}`,
        );
        context.setExitCode(ExitCode.failure);
        return;
      }
      const opened = await openLedger(ledgerDir);
      try {
        const size = checkpoint?.size;
        if (size !== undefined && seq >= size) {
          context.output.err(
            `error: entry ${seq} is not covered by the checkpoint of ${size} entries`,
          );
          context.setExitCode(ExitCode.failure);
          return;
        }
        const proof = await opened.proveInclusion(seq, size);
        const toBytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
        const valid =
          verifyInclusion(
            toBytes(proof.hash),
            proof.seq,
            proof.size,
            proof.path.map(toBytes),
            toBytes(proof.root),
          ) &&
          (!checkpoint || checkpoint.root === proof.root);
        context.output.out(
          stringifyForTerminal(
            { ...proof, ...(checkpoint ? { origin: checkpoint.origin } : {}) },
            null,
            2,
          ),
        );
        if (!valid) {
          context.output.err(
            'error: the ledger does not match the checkpoint; run karnel ledger verify --checkpoint',
          );
          context.setExitCode(ExitCode.failure);
        }
      } finally {
        await opened.close();
      }
    });
};

function describeEntry(entry: LedgerEntry): string {
  const body = JSON.stringify(entry.body);
  const summary = body.length > 100 ? `${body.slice(0, 99)}…` : body;
  const files =
    entry.files.length > 0 ? ` files=${entry.files.map((file) => file.path).join(',')}` : '';
  const signer = entry.signer ? ` signed=${entry.signer.slice(0, 20)}…` : '';
  return escapeTerminalText(
    `${String(entry.seq).padStart(6)}  ${entry.time}  ${entry.type.padEnd(20)}  ${entry.hash.slice(0, 12)}  ${summary}${files}${signer}`,
  );
}

async function findEntry(dir: string, reference: string): Promise<number | undefined> {
  if (/^\d+$/.test(reference)) {
    const seq = Number(reference);
    for await (const entry of readLedgerEntries(dir, { fromSeq: seq }))
      return entry.seq === seq ? seq : undefined;
    return undefined;
  }
  const prefix = reference.toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(prefix)) {
    throw new UsageError(
      `"${escapeTerminalText(reference)}" is neither an entry number nor a hash prefix of at least 8 hex digits`,
    );
  }
  let found: number | undefined;
  for await (const entry of readLedgerEntries(dir)) {
    if (!entry.hash.startsWith(prefix)) continue;
    if (found !== undefined)
      throw new UsageError(
        `hash prefix ${escapeTerminalText(reference)} matches more than one entry`,
      );
    found = entry.seq;
  }
  return found;
}

async function readCheckpoint(
  file: string,
): Promise<{ checkpoint?: Checkpoint; diagnostics: Diagnostic[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return {
      diagnostics: [
        createDiagnostic({
          file,
          code: 'checkpoint/unreadable',
          message: `cannot read the checkpoint: ${(error as Error).message}`,
        }),
      ],
    };
  }
  return parseCheckpoint(text, file);
}

function reportRecovered(context: CliContext, ledger: Ledger): void {
  if (ledger.recovered.length > 0)
    context.output.err(formatDiagnostics(ledger.recovered.map(escapeDiagnostic), 'text'));
}

function parseCount(value: string, option: string): number {
  if (!/^\d+$/.test(value))
    throw new UsageError(
      `${option} must be a non-negative integer, not "${escapeTerminalText(value)}"`,
    );
  return Number(value);
}

async function readInput(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a folder, expected a JSON or YAML file'
          : `cannot be read (${code ?? 'unknown error'})`;
    throw new UsageError(`${escapeTerminalText(path)}: ${reason}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Why the validator owning `record`'s type refuses it, or `undefined` when none does. */
function checkOwnedRecord(
  record: RecordInput,
  validators: readonly RecordValidator[],
): string | undefined {
  if (!('body' in record) || record.body === undefined) return undefined;
  const body = record.body as Record<string, unknown>;
  for (const validator of validators) {
    if (!validator.types.includes(record.type)) continue;
    const verdict = validator.validate({ type: record.type, body });
    if (!verdict.ok) return verdict.message;
  }
  return undefined;
}

/** Opens a ledger for writing; a ledger this user cannot write is one clear error. */
async function openWritable(
  dir: string,
  ledgerDir: string,
  signer?: Signer,
  validators: readonly RecordValidator[] = [],
): Promise<Ledger> {
  try {
    return await openLedger(ledgerDir, { ...(signer ? { signer } : {}), validators });
  } catch (error) {
    throw readOnly(dir, error) ?? error;
  }
}

/** The error to show when `error` says the ledger cannot be written, else `undefined`. */
function readOnly(dir: string, error: unknown): CommandError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      const path = (current as NodeJS.ErrnoException).path;
      return new CommandError(
        `ledger ${escapeTerminalText(dir)} is read-only for this user (${code}${path ? ` on ${escapeTerminalText(path)}` : ''}); nothing was written`,
      );
    }
    current = current.cause;
  }
  return undefined;
}

function stringifyForTerminal(value: unknown, replacer: null, space: number): string {
  return escapeJsonForTerminal(JSON.stringify(value, replacer, space));
}
