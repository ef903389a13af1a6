import {
  type Diagnostic,
  hasErrors,
  readYamlFile,
  type SourceDocument,
  sortDiagnostics,
  validateDocument,
} from '@karnel/core';
import { type GoalsFile, goalsFileSchema } from './goal-schema';
import { type ValidateGoalsOptions, validateGoals } from './validate-goals';

/** Options of {@link loadGoals}. */
export interface LoadGoalsOptions extends Pick<ValidateGoalsOptions, 'roles' | 'conditions'> {
  /** How to show the file in diagnostics. Default: `path` as given. */
  displayPath?: string;
  /**
   * The folder the goals file must really be inside (the group's root): a file that a symbolic
   * link leads out of it is not read, it is the error `file/outside-root`. Default: none.
   */
  root?: string;
}

/** The result of {@link loadGoals}. */
export interface LoadedGoals {
  /** The goals, when the file has no errors. */
  readonly goals: GoalsFile | undefined;
  /** The parsed file, for positions. */
  readonly document: SourceDocument;
  /** Every problem: syntax, schema, and the checks of {@link validateGoals}. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Reads and validates a goals file (`goals/current.yaml`). Never throws for a mistake in the
 * file: problems come back as diagnostics with line and column, and `goals` is `undefined` when
 * any of them is an error.
 */
export async function loadGoals(
  path: string,
  { displayPath = path, roles, conditions, root }: LoadGoalsOptions = {},
): Promise<LoadedGoals> {
  const document = await readYamlFile(path, {
    displayPath,
    ...(root === undefined ? {} : { root }),
  });
  return checkGoalsDocument(document, {
    ...(roles ? { roles } : {}),
    ...(conditions ? { conditions } : {}),
  });
}

/** Validates an already-parsed goals document (see {@link loadGoals}). */
export function checkGoalsDocument(
  document: SourceDocument,
  options: Pick<ValidateGoalsOptions, 'roles' | 'conditions'> = {},
): LoadedGoals {
  const { value, diagnostics } = validateDocument(goalsFileSchema, document);
  if (!value) return { goals: undefined, document, diagnostics };
  const all = sortDiagnostics([...diagnostics, ...validateGoals(value, { ...options, document })]);
  return { goals: hasErrors(all) ? undefined : value, document, diagnostics: all };
}
