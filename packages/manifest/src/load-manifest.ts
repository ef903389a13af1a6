import { type AgentManifest, agentManifestSchema } from './agent-manifest-schema';
import { type GroupManifest, groupManifestSchema } from './group-manifest-schema';
import { type LoadOptions, type LoadResult, loadDocument } from './load-document';
import { type MemberFile, memberFileSchema } from './member-file-schema';

/**
 * Reads and validates an agent `manifest.yaml`. Never throws for the file's content: problems
 * are in `diagnostics`, and `value` is present only when there is no error.
 *
 * @param path - The manifest file.
 * @param options - `displayPath` for diagnostics, `maxBytes` size bound.
 */
export function loadAgentManifest(
  path: string,
  options?: LoadOptions,
): Promise<LoadResult<AgentManifest>> {
  return loadDocument(path, 'agent', agentManifestSchema, options);
}

/**
 * Reads and validates a group `manifest.yaml` (this file alone: member files and references are
 * checked by {@link validateGroupDir}).
 */
export function loadGroupManifest(
  path: string,
  options?: LoadOptions,
): Promise<LoadResult<GroupManifest>> {
  return loadDocument(path, 'group', groupManifestSchema, options);
}

/** Reads and validates one `members/*.yaml` file (this file alone). */
export function loadMemberFile(
  path: string,
  options?: LoadOptions,
): Promise<LoadResult<MemberFile>> {
  return loadDocument(path, 'member', memberFileSchema, options);
}
