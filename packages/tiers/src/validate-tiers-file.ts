import {
  createDiagnostic,
  type Diagnostic,
  type DocumentPath,
  hasErrors,
  readYamlFile,
  type SourceDocument,
  validateDocument,
} from '@karnel/core';
import { parseCandidateId } from './candidate-id';
import { BUILT_IN_PROVIDERS } from './provider-kinds';
import { normalizeTier, TIER_NAMES } from './tier-names';
import { type TiersFile, tiersFileSchema } from './tiers-file-schema';

/** Where a `tiers.yaml` lives, which decides whether it may hold keys. */
export type TiersFileScope = 'group' | 'machine';

/** Options of {@link validateTiersFile}. */
export interface ValidateTiersFileOptions {
  /**
   * `group` (default) for a file inside a group or agent directory, which is portable and
   * shared, so a key in it is an error; `machine` for the machine-level file, which may hold keys.
   */
  scope?: TiersFileScope;
  /** The path to show in diagnostics. Default: `path` as given. */
  displayPath?: string;
  /** Providers declared elsewhere (the machine-level file) that candidates may name. */
  knownProviders?: readonly string[];
  /**
   * The folder the file must really be inside (its group's root): a file that a symbolic link
   * leads out of it is not read, it is the error `file/outside-root`. Default: none.
   */
  root?: string;
}

/** What {@link validateTiersFile} found. */
export interface TiersFileValidation {
  /** The file's content; present only when there are no errors. */
  readonly value: TiersFile | undefined;
  /** Every problem, each at its file, line and column. */
  readonly diagnostics: readonly Diagnostic[];
}

const keyField = /(^|_)(api_?key|secret|token|password)$/i;
const keyValue =
  /^(sk-[A-Za-z0-9_-]{8,}|sk_[A-Za-z0-9]{8,}|AIza[A-Za-z0-9_-]{20,}|gsk_[A-Za-z0-9]{8,})/;

/**
 * Reads and validates a `tiers.yaml` (Annex D, section 2). Never throws for a bad or missing
 * file: every problem is a diagnostic at its line and column, one per problem — an unknown tier,
 * an unknown provider, a price that is not exact decimal text, a duplicate candidate, and, in a
 * group-scope file, an API key (the key is never repeated in the message).
 */
export async function validateTiersFile(
  path: string,
  options: ValidateTiersFileOptions = {},
): Promise<TiersFileValidation> {
  const document = await readYamlFile(path, {
    displayPath: options.displayPath ?? path,
    ...(options.root === undefined ? {} : { root: options.root }),
  });
  return validateTiersDocument(document, options.scope ?? 'group', options.knownProviders);
}

/** Validates an already parsed `tiers.yaml`; see {@link validateTiersFile}. */
export function validateTiersDocument(
  document: SourceDocument,
  scope: TiersFileScope = 'group',
  knownProviders: readonly string[] = [],
): TiersFileValidation {
  const keyDiagnostics = scope === 'group' ? findKeys(document) : [];
  const { value, diagnostics } = validateDocument(tiersFileSchema, document);
  const found = [...diagnostics, ...keyDiagnostics];
  if (value) found.push(...checkReferences(value, document, knownProviders));
  return { value: hasErrors(found) ? undefined : value, diagnostics: found };
}

function findKeys(document: SourceDocument): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const visit = (node: unknown, path: DocumentPath): void => {
    if (typeof node === 'string' && keyValue.test(node)) {
      diagnostics.push(keyDiagnostic(document, path, false));
    } else if (Array.isArray(node)) {
      for (const [index, item] of node.entries()) visit(item, [...path, index]);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        if (keyField.test(key) && child !== null && child !== undefined && child !== '') {
          diagnostics.push(keyDiagnostic(document, [...path, key], true));
        } else visit(child, [...path, key]);
      }
    }
  };
  visit(document.value, []);
  return diagnostics;
}

function keyDiagnostic(document: SourceDocument, path: DocumentPath, field: boolean): Diagnostic {
  return createDiagnostic({
    file: document.file,
    ...document.position(path, { key: field }),
    code: 'tiers/key-in-group',
    message:
      'an API key in a group or agent directory: the directory is portable and gets shared, so keys never live in it',
    hint: 'put the key in the environment or the machine-level tiers.yaml, and name its variable with api_key_env',
  });
}

function checkReferences(
  file: TiersFile,
  document: SourceDocument,
  knownProviders: readonly string[],
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const providers = new Set([
    ...Object.keys(BUILT_IN_PROVIDERS),
    ...knownProviders,
    ...Object.keys(file.providers ?? {}),
  ]);
  for (const [name, settings] of Object.entries(file.providers ?? {})) {
    if (!settings.kind && !BUILT_IN_PROVIDERS[name])
      diagnostics.push(
        createDiagnostic({
          file: document.file,
          ...document.position(['providers', name], { key: true }),
          code: 'tiers/provider-kind',
          message: `provider "${name}" is not built in, so it needs a kind (ollama, openai, anthropic or openai-compatible)`,
        }),
      );
  }
  const tierOf = new Map<string, string>();
  for (const [tierName, candidates] of Object.entries(file.tiers ?? {})) {
    const tier = normalizeTier(tierName);
    if (!tier) {
      diagnostics.push(
        createDiagnostic({
          file: document.file,
          ...document.position(['tiers', tierName], { key: true }),
          code: 'tiers/unknown-tier',
          message: `unknown tier "${tierName}"; expected one of ${TIER_NAMES.join(', ')}`,
        }),
      );
      continue;
    }
    const previous = tierOf.get(tier);
    if (previous !== undefined)
      diagnostics.push(
        createDiagnostic({
          file: document.file,
          ...document.position(['tiers', tierName], { key: true }),
          code: 'tiers/duplicate-tier',
          message: `tier "${tierName}" is also listed as "${previous}"`,
        }),
      );
    tierOf.set(tier, tierName);
    const seen = new Set<string>();
    candidates.forEach((candidate, index) => {
      const at = document.position(['tiers', tierName, index, 'model']);
      const id = parseCandidateId(candidate.model);
      if (!id) {
        diagnostics.push(
          createDiagnostic({
            file: document.file,
            ...at,
            code: 'tiers/bad-candidate',
            message: `"${candidate.model}" is not provider:model (e.g. ollama:qwen3:8b)`,
          }),
        );
        return;
      }
      if (!providers.has(id.provider))
        diagnostics.push(
          createDiagnostic({
            file: document.file,
            ...at,
            code: 'tiers/unknown-provider',
            message: `unknown provider "${id.provider}"; declare it under providers: or use ${[...providers].join(', ')}`,
          }),
        );
      if (seen.has(candidate.model))
        diagnostics.push(
          createDiagnostic({
            file: document.file,
            ...at,
            code: 'tiers/duplicate-candidate',
            message: `"${candidate.model}" is listed twice in tier ${tierName}`,
          }),
        );
      seen.add(candidate.model);
    });
  }
  return diagnostics;
}
