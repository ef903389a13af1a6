import { readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import {
  createDiagnostic,
  type Diagnostic,
  type DocumentPath,
  hasErrors,
  ID_PREFIXES,
  type SourceDocument,
} from '@karnel/core';
import { parseCadence } from './cadence';
import { GROUP_COMPONENTS, type GroupManifest, groupManifestSchema } from './group-manifest-schema';
import { isRecord } from './is-record';
import { loadDocument } from './load-document';
import { mapConcurrent } from './map-concurrent';
import { type Member, memberFileSchema } from './member-file-schema';
import { createReferenceResolver, type ReferenceResolver } from './resolve-reference';
import {
  type AgentDirValidation,
  type ValidateDirOptions,
  validateAgentDir,
} from './validate-agent-dir';

/** The kind of a group member. */
export type MemberKind = 'karnel-native' | 'foreign' | 'human';

/** One member of a group as the validator resolved it. */
export interface ResolvedMember {
  /** The member's role (as written; may be a duplicate in an invalid group). */
  readonly role: string;
  /** Native agent, foreign agent or human. */
  readonly kind: MemberKind;
  /** The index of the entry in the manifest's `members` list. */
  readonly index: number;
  /** Absolute path of the member file, for members listed by reference that resolved. */
  readonly memberFile?: string;
  /** The validated `member` block of the member file, when it has no errors. */
  readonly member?: Member;
  /** Absolute path of the member's agent directory (native members with a local location). */
  readonly agentDir?: string;
  /** The agent id a native member refers to for registry lookup (`agent_ref.location: agt_…`). */
  readonly registryId?: string;
}

/** The result of {@link validateGroupDir}. */
export interface GroupDirValidation {
  /** Always `'group'`. */
  readonly kind: 'group';
  /** The absolute path of the group directory. */
  readonly dir: string;
  /** The directory as shown in diagnostics. */
  readonly displayPath: string;
  /** The validated manifest; `undefined` when the manifest itself has errors. */
  readonly manifest: GroupManifest | undefined;
  /**
   * Every problem found: group manifest, member files, references, and the manifests of the
   * native member agents.
   */
  readonly diagnostics: readonly Diagnostic[];
  /** The members' roles, in manifest order, each once. */
  readonly roles: readonly string[];
  /** Every member entry, resolved as far as possible. */
  readonly members: readonly ResolvedMember[];
  /** The validation of each distinct local agent directory of a native member. */
  readonly agents: readonly AgentDirValidation[];
  /** Absolute paths of the declared components that resolved (`memory`, `goals`, `ledger`, `treasury`). */
  readonly components: Readonly<Record<string, string>>;
  /** Absolute path of the coordination protocol file, when declared and found. */
  readonly coordinationRef?: string;
  /** Whether no diagnostic is an error. */
  readonly valid: boolean;
}

/**
 * Validates a group directory: the group `manifest.yaml`, each referenced `members/*.yaml`
 * file, each native member's agent directory (as {@link validateAgentDir} does), the
 * coordination and component references, and the rules that span files: unique roles, a
 * contact for escalation-only humans, member files that agree with the manifest, references
 * that stay inside the directory.
 *
 * Cross-file rules are checked on the raw document, so a schema error elsewhere in the manifest
 * does not hide them: each mistake gives one diagnostic. Never throws for the directory's content.
 */
export async function validateGroupDir(
  dir: string,
  { displayPath = dir }: ValidateDirOptions = {},
): Promise<GroupDirValidation> {
  const root = resolve(dir);
  const display = (path: string) => join(displayPath, relative(root, path));
  const loaded = await loadDocument(join(root, 'manifest.yaml'), 'group', groupManifestSchema, {
    displayPath: join(displayPath, 'manifest.yaml'),
    root,
  });
  const document = loaded.document;
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  const raw = isRecord(document.value) ? document.value : {};
  const entries = Array.isArray(raw.members) ? raw.members : [];
  const resolver = createReferenceResolver(root);

  const roles: string[] = [];
  const firstRoleAt = new Map<string, number>();
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index];
    if (!isRecord(entry)) continue;
    if (typeof entry.role === 'string') {
      const role = entry.role;
      const first = firstRoleAt.get(role);
      if (first === undefined) {
        firstRoleAt.set(role, index);
        roles.push(role);
      } else {
        diagnostics.push(
          createDiagnostic({
            file: document.file,
            ...document.position(['members', index, 'role']),
            code: 'member/duplicate-role',
            message: `role "${role}" is already used by members[${first}] (line ${document.position(['members', first, 'role']).line}); roles must be unique`,
          }),
        );
      }
    }
    const contactProblem = checkHumanContact(entry, document, ['members', index]);
    if (contactProblem) diagnostics.push(contactProblem);
    const cadenceProblem = checkCadence(entry.cadence, document, ['members', index, 'cadence']);
    if (cadenceProblem) diagnostics.push(cadenceProblem);
  }

  // Member files and agent directories are read concurrently; results keep manifest order.
  const agentValidations = new Map<string, Promise<AgentDirValidation>>();
  const validateAgentOnce = (agentDir: string) => {
    let validation = agentValidations.get(agentDir);
    if (!validation) {
      validation = validateAgentDir(agentDir, { displayPath: display(agentDir) });
      agentValidations.set(agentDir, validation);
    }
    return validation;
  };
  const resolvedEntries = await mapConcurrent(entries, 8, (entry, index) =>
    resolveEntry({ entry, index, document, resolver, display, validateAgentOnce, root }),
  );

  const members: ResolvedMember[] = [];
  const agents: AgentDirValidation[] = [];
  const referencedMemberFiles = new Set<string>();
  for (const resolved of resolvedEntries) {
    if (!resolved) continue;
    members.push(resolved.member);
    diagnostics.push(...resolved.diagnostics);
    if (resolved.member.memberFile) referencedMemberFiles.add(resolved.member.memberFile);
    if (resolved.agent && !agents.includes(resolved.agent)) {
      agents.push(resolved.agent);
      diagnostics.push(...resolved.agent.diagnostics);
    }
  }

  let coordinationRef: string | undefined;
  const components: Record<string, string> = {};
  const references: {
    key: string;
    reference: string;
    path: DocumentPath;
    target: 'file' | 'directory';
    what: string;
  }[] = [];
  if (typeof raw.coordination_ref === 'string' && raw.coordination_ref !== '') {
    references.push({
      key: 'coordination',
      reference: raw.coordination_ref,
      path: ['coordination_ref'],
      target: 'file',
      what: 'coordination protocol',
    });
  }
  if (isRecord(raw.components)) {
    for (const name of GROUP_COMPONENTS) {
      const reference = raw.components[name];
      if (typeof reference !== 'string' || reference === '') continue;
      references.push({
        key: name,
        reference,
        path: ['components', name],
        target: 'directory',
        what: `component "${name}"`,
      });
    }
  }
  const resolutions = await Promise.all(
    references.map((item) =>
      resolver.resolve(item.reference, {
        document,
        path: item.path,
        target: item.target,
        what: item.what,
      }),
    ),
  );
  references.forEach((item, index) => {
    const resolved = resolutions[index]!;
    if (!resolved.ok) diagnostics.push(resolved.diagnostic);
    else if (item.key === 'coordination') coordinationRef = resolved.path;
    else components[item.key] = resolved.path;
  });

  diagnostics.push(...(await findUnreferencedMemberFiles(root, referencedMemberFiles, display)));

  return {
    kind: 'group',
    dir: root,
    displayPath,
    manifest: loaded.value,
    diagnostics,
    roles,
    members,
    agents,
    components,
    coordinationRef,
    valid: !hasErrors(diagnostics),
  };
}

/** What resolving one `members` entry found. */
interface ResolvedEntry {
  readonly member: ResolvedMember;
  /** Problems in the entry's references and member file (not the agent's own). */
  readonly diagnostics: readonly Diagnostic[];
  /** The validation of the member's agent directory, shared by members that name the same one. */
  readonly agent?: AgentDirValidation;
}

/** Follows one `members` entry: its member file, then (native members) its agent directory. */
async function resolveEntry({
  entry,
  index,
  document,
  resolver,
  display,
  validateAgentOnce,
  root,
}: {
  entry: unknown;
  index: number;
  document: SourceDocument;
  resolver: ReferenceResolver;
  display: (path: string) => string;
  validateAgentOnce: (agentDir: string) => Promise<AgentDirValidation>;
  root: string;
}): Promise<ResolvedEntry | undefined> {
  if (!isRecord(entry)) return undefined;
  const role = typeof entry.role === 'string' ? entry.role : '';
  const declaredKind: MemberKind =
    entry.agent_kind === 'human'
      ? 'human'
      : entry.agent_kind === 'foreign'
        ? 'foreign'
        : 'karnel-native';
  if (typeof entry.agent_ref !== 'string' || entry.agent_ref === '' || declaredKind === 'human') {
    return { member: { role, kind: declaredKind, index }, diagnostics: [] };
  }
  const memberFile = await resolver.resolve(entry.agent_ref, {
    document,
    path: ['members', index, 'agent_ref'],
    target: 'file',
    what: 'member file',
  });
  if (!memberFile.ok)
    return { member: { role, kind: declaredKind, index }, diagnostics: [memberFile.diagnostic] };

  const diagnostics: Diagnostic[] = [];
  const memberLoad = await loadDocument(memberFile.path, 'member', memberFileSchema, {
    displayPath: display(memberFile.path),
    root,
  });
  diagnostics.push(...memberLoad.diagnostics);
  const memberDocument = memberLoad.document;
  const memberRaw =
    isRecord(memberDocument.value) && isRecord(memberDocument.value.member)
      ? memberDocument.value.member
      : undefined;
  if (!memberRaw)
    return {
      member: { role, kind: declaredKind, index, memberFile: memberFile.path },
      diagnostics,
    };

  const fileKind: MemberKind | undefined =
    memberRaw.agent_kind === 'karnel-native' ||
    memberRaw.agent_kind === 'foreign' ||
    memberRaw.agent_kind === 'human'
      ? memberRaw.agent_kind
      : undefined;
  if (role !== '' && typeof memberRaw.role === 'string' && memberRaw.role !== role) {
    diagnostics.push(
      createDiagnostic({
        file: memberDocument.file,
        ...memberDocument.position(['member', 'role']),
        code: 'member/role-mismatch',
        message: `the member file says role "${memberRaw.role}" but the group manifest lists it as "${role}"`,
      }),
    );
  }
  if (fileKind !== undefined && entry.agent_kind !== undefined && entry.agent_kind !== fileKind) {
    diagnostics.push(
      createDiagnostic({
        file: memberDocument.file,
        ...memberDocument.position(['member', 'agent_kind']),
        code: 'member/kind-mismatch',
        message: `the member file says agent_kind "${fileKind}" but the group manifest says "${String(entry.agent_kind)}"`,
      }),
    );
  }
  const contactProblem = checkHumanContact(memberRaw, memberDocument, ['member']);
  if (contactProblem) diagnostics.push(contactProblem);
  const contract =
    isRecord(memberRaw.membership) && isRecord(memberRaw.membership.contract)
      ? memberRaw.membership.contract
      : undefined;
  const cadenceProblem = checkCadence(contract?.cadence, memberDocument, [
    'member',
    'membership',
    'contract',
    'cadence',
  ]);
  if (cadenceProblem) diagnostics.push(cadenceProblem);

  const base: ResolvedMember = {
    role,
    kind: fileKind ?? declaredKind,
    index,
    memberFile: memberFile.path,
    member: memberLoad.value?.member,
  };
  const location = isRecord(memberRaw.agent_ref) ? memberRaw.agent_ref.location : undefined;
  if (base.kind !== 'karnel-native' || typeof location !== 'string' || location === '')
    return { member: base, diagnostics };
  const at = {
    file: memberDocument.file,
    ...memberDocument.position(['member', 'agent_ref', 'location']),
  };
  if (location.startsWith(`${ID_PREFIXES.agent}_`)) {
    diagnostics.push(
      createDiagnostic({
        ...at,
        severity: 'warning',
        code: 'ref/registry-unresolved',
        message: `agent "${location}" is to be looked up in a registry; it cannot be checked locally`,
      }),
    );
    return { member: { ...base, registryId: location }, diagnostics };
  }
  const agentDir = await resolver.resolve(location, {
    document: memberDocument,
    path: ['member', 'agent_ref', 'location'],
    target: 'directory',
    what: 'agent directory',
  });
  if (!agentDir.ok) return { member: base, diagnostics: [...diagnostics, agentDir.diagnostic] };
  const agent = await validateAgentOnce(agentDir.path);
  const manifestFile = join(agent.displayPath, 'manifest.yaml');
  if (
    agent.diagnostics.some(
      (diagnostic) => diagnostic.code === 'file/missing' && diagnostic.file === manifestFile,
    )
  ) {
    diagnostics.push(
      createDiagnostic({
        ...at,
        code: 'ref/not-an-agent',
        message: `agent directory "${location}" has no manifest.yaml`,
      }),
    );
    return { member: base, diagnostics };
  }
  return { member: { ...base, agentDir: agentDir.path }, diagnostics, agent };
}

/** An escalation-only human must say how to reach them; otherwise escalations go nowhere. */
function checkHumanContact(
  entry: Record<string, unknown>,
  document: SourceDocument,
  path: DocumentPath,
): Diagnostic | undefined {
  if (entry.agent_kind !== 'human' || entry.escalation_only !== true) return undefined;
  if (typeof entry.contact === 'string' && entry.contact.trim() !== '') return undefined;
  return createDiagnostic({
    file: document.file,
    ...document.position([...path, 'escalation_only'], { key: true }),
    code: 'member/missing-contact',
    message: `human member${typeof entry.role === 'string' ? ` "${entry.role}"` : ''} is escalation_only but has no "contact"; escalations would reach no one`,
  });
}

/** A cadence the scheduler would not understand: the member would never run when expected. */
function checkCadence(
  value: unknown,
  document: SourceDocument,
  path: DocumentPath,
): Diagnostic | undefined {
  // A non-string or a control character is already a schema diagnostic.
  if (typeof value !== 'string' || value.trim() === '' || /[\p{Cc}]/u.test(value)) return undefined;
  const parsed = parseCadence(value);
  if (parsed.ok) return undefined;
  return createDiagnostic({
    file: document.file,
    ...document.position(path),
    code: 'member/unknown-cadence',
    message: parsed.message,
  });
}

/** Member files in `members/` that no manifest entry refers to: probably a forgotten member. */
async function findUnreferencedMemberFiles(
  root: string,
  referenced: ReadonlySet<string>,
  display: (path: string) => string,
): Promise<Diagnostic[]> {
  let names: string[];
  try {
    names = await readdir(join(root, 'members'));
  } catch {
    return [];
  }
  return names
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(root, 'members', name))
    .filter((path) => !referenced.has(path))
    .map((path) =>
      createDiagnostic({
        file: display(path),
        severity: 'warning',
        code: 'member/unreferenced-file',
        message: 'no entry of the group manifest\'s "members" refers to this file; it is ignored',
      }),
    );
}
