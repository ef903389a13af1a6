import { join, resolve } from 'node:path';
import { type Diagnostic, hasErrors } from '@karnel/core';
import { AGENT_COMPONENTS, type AgentManifest, agentManifestSchema } from './agent-manifest-schema';
import { isRecord } from './is-record';
import { loadDocument } from './load-document';
import { createReferenceResolver } from './resolve-reference';

/** Options of {@link validateAgentDir} and {@link validateGroupDir}. */
export interface ValidateDirOptions {
  /**
   * The directory as the user wrote it; diagnostics name files as `join(displayPath, relative)`.
   * Default: the directory as given.
   */
  displayPath?: string;
}

/** The result of {@link validateAgentDir}. */
export interface AgentDirValidation {
  /** Always `'agent'`. */
  readonly kind: 'agent';
  /** The absolute path of the agent directory. */
  readonly dir: string;
  /** The directory as shown in diagnostics. */
  readonly displayPath: string;
  /** The validated manifest; `undefined` when the manifest has errors. */
  readonly manifest: AgentManifest | undefined;
  /** Every problem found in the manifest and its references. */
  readonly diagnostics: readonly Diagnostic[];
  /** Absolute paths of the declared components that resolved (`memory`, `skills`, `goals`, `ledger`). */
  readonly components: Readonly<Record<string, string>>;
  /** Whether no diagnostic is an error. */
  readonly valid: boolean;
}

/**
 * Validates an agent directory: its `manifest.yaml` against the schema and spec version, and
 * every component path (it must stay inside the directory and name an existing folder). The
 * content of memory, skills, goals and ledger is checked by their own packages.
 *
 * Never throws for the directory's content.
 */
export async function validateAgentDir(
  dir: string,
  { displayPath = dir }: ValidateDirOptions = {},
): Promise<AgentDirValidation> {
  const root = resolve(dir);
  const loaded = await loadDocument(join(root, 'manifest.yaml'), 'agent', agentManifestSchema, {
    displayPath: join(displayPath, 'manifest.yaml'),
    root,
  });
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  const components: Record<string, string> = {};
  const raw = isRecord(loaded.document.value) ? loaded.document.value : {};
  if (isRecord(raw.components)) {
    const declared = raw.components;
    const resolver = createReferenceResolver(root);
    const resolutions = await Promise.all(
      AGENT_COMPONENTS.map(async (name) => {
        const reference = declared[name];
        if (typeof reference !== 'string' || reference === '') return undefined;
        const resolved = await resolver.resolve(reference, {
          document: loaded.document,
          path: ['components', name],
          target: 'directory',
          what: `component "${name}"`,
        });
        return { name, resolved };
      }),
    );
    for (const resolution of resolutions) {
      if (!resolution) continue;
      if (resolution.resolved.ok) components[resolution.name] = resolution.resolved.path;
      else diagnostics.push(resolution.resolved.diagnostic);
    }
  }
  return {
    kind: 'agent',
    dir: root,
    displayPath,
    manifest: loaded.value,
    diagnostics,
    components,
    valid: !hasErrors(diagnostics),
  };
}
