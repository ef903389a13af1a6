import {
  type Diagnostic,
  hasErrors,
  readYamlFile,
  sortDiagnostics,
  validateDocument,
} from '@karnel/core';
import { z } from 'zod';

/** The offline script format versions this package reads. */
export const OFFLINE_SCRIPT_VERSIONS = ['0.1'] as const;

/** One of {@link OFFLINE_SCRIPT_VERSIONS}. */
export type OfflineScriptVersion = (typeof OFFLINE_SCRIPT_VERSIONS)[number];

const offlineScriptVersionSchema: z.ZodEnum<Record<OfflineScriptVersion, OfflineScriptVersion>> =
  z.enum(OFFLINE_SCRIPT_VERSIONS);

/** The file name the offline demo script has in a group directory. */
export const OFFLINE_SCRIPT_FILE = 'offline-demo.yaml';

/** One step of a scripted run: a tool call, or the final answer. */
export const offlineStepSchema = z.union([
  z.strictObject({
    /** The tool to call. */
    tool: z.string().min(1),
    /** Its arguments; `{{message.<path>}}` is replaced from the first waking message. */
    input: z.record(z.string(), z.unknown()).default({}),
  }),
  z.strictObject({
    /** The final answer of the run. */
    text: z.string().min(1),
  }),
]);

/** One scripted scenario of a member: when it applies, and the steps it takes. */
export const offlineScenarioSchema = z.strictObject({
  /** What the scenario is, for readers of the script. */
  name: z.string().min(1).optional(),
  /** Applies only when the run's prompt contains every one of these strings. Default: always. */
  when: z.array(z.string().min(1)).optional(),
  /** The steps, one per model call. */
  steps: z.array(offlineStepSchema).min(1),
});

/** The offline demo script (`offline-demo.yaml`). */
export const offlineScriptSchema = z.strictObject({
  /** The format version: `"0.1"`. */
  karnel_offline_script: offlineScriptVersionSchema,
  /** What the script shows. */
  description: z.string().optional(),
  /** Scenarios by member role, tried in order; the first that applies is played. */
  members: z.record(z.string().min(1), z.array(offlineScenarioSchema).min(1)),
});

/** A validated offline demo script. */
export type OfflineScript = z.infer<typeof offlineScriptSchema>;

/** The result of {@link readOfflineScript}. */
export interface OfflineScriptRead {
  /** The script; absent when it has errors. */
  readonly script?: OfflineScript;
  /** Every problem, with file, line and column. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Reads and validates an offline demo script. Never throws for a mistake in the file: each
 * problem is a diagnostic at its line and column (a missing file is one too).
 */
export async function readOfflineScript(
  path: string,
  {
    displayPath = path,
    root,
  }: {
    /** The path shown in diagnostics. Default: `path`. */
    displayPath?: string;
    /** The folder the script must really be inside (`file/outside-root` otherwise). */
    root?: string;
  } = {},
): Promise<OfflineScriptRead> {
  const document = await readYamlFile(path, {
    displayPath,
    ...(root === undefined ? {} : { root }),
  });
  const { value, diagnostics } = validateDocument(offlineScriptSchema, document);
  const sorted = sortDiagnostics([...diagnostics]);
  if (!value || hasErrors(sorted)) return { diagnostics: sorted };
  return { script: value, diagnostics: sorted };
}
