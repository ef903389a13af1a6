import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathKind, readYamlFile, validateDocument } from '@karnel/core';
import { z } from 'zod';
import { CommandError } from './command-error';
import { type CliOutput, printDiagnostics } from './output';

/** The environment variable that holds the queue's connection string. */
export const QUEUE_URL_ENV = 'KARNEL_QUEUE_URL';

/** The machine-level queue file's schema: `url: postgres://user:password@host:5432/database`. */
const queueFileSchema = z.strictObject({
  url: z.string().min(1),
});

/**
 * The machine-level queue file: `queue.yaml` beside the machine-level `tiers.yaml`
 * (`$KARNEL_CONFIG_HOME`, else `$XDG_CONFIG_HOME/karnel`, else `~/.config/karnel`).
 */
export async function machineQueueFilePath(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<string> {
  try {
    const { machineTiersFilePath } = await import('@karnel/tiers/config');
    return join(machineTiersFilePath(env), '..', 'queue.yaml');
  } catch {
    const base = env.KARNEL_CONFIG_HOME
      ? env.KARNEL_CONFIG_HOME
      : join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'karnel');
    return join(base, 'queue.yaml');
  }
}

/**
 * The queue's connection string: the `--queue` value, else `$KARNEL_QUEUE_URL`, else the `url`
 * of the machine-level `queue.yaml`. A file that does not validate prints its diagnostics
 * (file, line, column) and fails; none of the three fails with one line naming them.
 */
export async function resolveQueueUrl(
  flag: string | true,
  output: CliOutput,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<string> {
  if (typeof flag === 'string' && flag !== '') return flag;
  const fromEnv = env[QUEUE_URL_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const file = await machineQueueFilePath(env);
  if ((await pathKind(file)) === 'missing')
    throw new CommandError(
      `--queue has no connection string: pass one (--queue postgres://…), set ${QUEUE_URL_ENV}, or write url: in ${file}`,
    );
  const validation = validateDocument(queueFileSchema, await readYamlFile(file));
  // Unknown fields are warnings: printed, and the file is used.
  if (validation.diagnostics.length > 0) printDiagnostics(output, validation.diagnostics, 'text');
  if (!validation.value) {
    throw new CommandError(`${file} is not a valid queue file`);
  }
  return validation.value.url;
}

/** Replaces the connection string's password, wherever it appears in `text`, with `***`. */
export function maskPassword(text: string, connectionString: string): string {
  let password = '';
  try {
    password = new URL(connectionString).password;
  } catch {
    return text;
  }
  if (password === '') return text;
  let masked = text;
  for (const form of new Set([password, decodeURIComponentSafe(password)]))
    if (form !== '') masked = masked.split(form).join('***');
  return masked;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
