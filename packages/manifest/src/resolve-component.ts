import { lstat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { createDiagnostic, type Diagnostic, isWithin } from '@karnel/core';
import { AGENT_COMPONENTS } from './agent-manifest-schema';
import { type DirectoryKind, detectDirectoryKind } from './detect-directory-kind';
import { GROUP_COMPONENTS } from './group-manifest-schema';
import { isRecord } from './is-record';
import { loadAgentManifest, loadGroupManifest } from './load-manifest';
import { createReferenceResolver } from './resolve-reference';

/** The name of a component folder: `memory`, `skills`, `goals`, `ledger` or `treasury`. */
export type ComponentName = (typeof AGENT_COMPONENTS)[number] | (typeof GROUP_COMPONENTS)[number];

/** Options of {@link resolveComponent}. */
export interface ResolveComponentOptions {
  /** The directory as shown in diagnostics. Default: `dir` as given. */
  displayPath?: string;
}

/** A component folder that {@link resolveComponent} found the path of. */
export interface ResolvedComponent {
  /** Always `true`. */
  readonly ok: true;
  /** Whether the directory is an agent's or a group's. */
  readonly kind: DirectoryKind;
  /** The absolute path of the agent or group directory. */
  readonly dir: string;
  /** The absolute path of the component folder. */
  readonly path: string;
  /** Whether the manifest names the folder (`components.<name>`); otherwise it is the default `./<name>`. */
  readonly declared: boolean;
  /** Whether the folder exists (it may not yet: stores create it on first write). */
  readonly exists: boolean;
}

/** Why {@link resolveComponent} could not tell where a component lives. */
export interface UnresolvedComponent {
  /** Always `false`. */
  readonly ok: false;
  /** What went wrong, at the file and line to fix: no directory, no manifest, a reference leaving it. */
  readonly diagnostics: readonly Diagnostic[];
}

/** The result of {@link resolveComponent}. */
export type ComponentResolution = ResolvedComponent | UnresolvedComponent;

/**
 * Finds the folder of one component (`memory`, `skills`, `goals`, `ledger`, `treasury`) of an
 * agent or group directory: tells agent from group by the manifest's top-level block, reads
 * the manifest with this package's loaders, and resolves `components.<name>`, or `./<name>`
 * when the manifest does not name it. The folder must stay inside the directory (no absolute
 * path, no `..` climbing out, no symlink leading out) and, when it exists, be a folder.
 *
 * A schema mistake elsewhere in the manifest does not stop the resolution (`karnel validate`
 * reports those); only what decides the folder does. Never throws for the directory's content.
 *
 * @example
 * ```ts
 * const ledger = await resolveComponent('examples/newsletter-co', 'ledger');
 * if (ledger.ok) console.log(ledger.path); // …/examples/newsletter-co/ledger
 * ```
 */
export async function resolveComponent(
  dir: string,
  name: ComponentName,
  { displayPath = dir }: ResolveComponentOptions = {},
): Promise<ComponentResolution> {
  const root = resolve(dir);
  const detection = await detectDirectoryKind(root, { displayPath });
  if (detection.kind === undefined) return { ok: false, diagnostics: detection.diagnostics };
  const kind = detection.kind;
  const manifestPath = join(root, 'manifest.yaml');
  const manifestDisplay = join(displayPath, 'manifest.yaml');
  const allowed: readonly string[] = kind === 'agent' ? AGENT_COMPONENTS : GROUP_COMPONENTS;
  if (!allowed.includes(name)) {
    return {
      ok: false,
      diagnostics: [
        createDiagnostic({
          file: manifestDisplay,
          code: 'component/not-applicable',
          message: `${kind === 'agent' ? 'an agent' : 'a group'} has no "${name}" component; its components are ${allowed.join(', ')}`,
        }),
      ],
    };
  }
  const loaded =
    kind === 'agent'
      ? await loadAgentManifest(manifestPath, { displayPath: manifestDisplay })
      : await loadGroupManifest(manifestPath, { displayPath: manifestDisplay });
  const document = loaded.document;
  const raw = isRecord(document.value) ? document.value : {};
  const components = isRecord(raw.components) ? raw.components : {};
  const written = components[name];
  const at = (code: string, message: string): UnresolvedComponent => ({
    ok: false,
    diagnostics: [
      createDiagnostic({
        file: manifestDisplay,
        ...document.position(written === undefined ? [] : ['components', name]),
        code,
        message,
      }),
    ],
  });
  if (written !== undefined && (typeof written !== 'string' || written === '')) {
    return at(
      'component/invalid',
      `components.${name} must be a relative folder path such as "./${name}"`,
    );
  }
  const reference = typeof written === 'string' ? written : `./${name}`;
  if (isAbsolute(reference) || !isWithin(root, resolve(root, reference))) {
    return at(
      'ref/escapes',
      `component "${name}" "${reference}" leaves the directory; references are relative to it`,
    );
  }
  const path = resolve(root, reference);
  const exists = await lstat(path).then(
    () => true,
    () => false,
  );
  if (exists) {
    // Symlinks leading out and files where a folder belongs are refused as validation does.
    const resolved = await createReferenceResolver(root).resolve(reference, {
      document,
      path: written === undefined ? [] : ['components', name],
      target: 'directory',
      what: `component "${name}"`,
    });
    if (!resolved.ok) return { ok: false, diagnostics: [resolved.diagnostic] };
  }
  return { ok: true, kind, dir: root, path, declared: written !== undefined, exists };
}
