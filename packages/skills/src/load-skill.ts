import { readdir, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import {
  DEFAULT_MAX_YAML_BYTES,
  type Diagnostic,
  type DocumentPath,
  hasErrors,
  parseYaml,
  readTextFileBounded,
  readYamlFile,
  resolveInside,
  type SourceDocument,
  validateDocument,
} from '@karnel/core';
import {
  DEFAULT_ENTRIES,
  DEFAULT_SANDBOX,
  type ExecutionSection,
  type SkillExecution,
} from './execution-schema';
import {
  HERMES_FRONTMATTER_FIELDS,
  HERMES_PLATFORMS,
  type SkillFrontmatter,
  skillFrontmatterSchema,
  strictNamedSkillFrontmatterSchema,
} from './frontmatter-schema';
import { hashFile } from './hash-file';
import { isHubSource, type KarnelSkillFile, karnelSkillFileSchema } from './karnel-yaml-schema';
import type { Skill, SkillFolders, SkillFormat, SkillSource } from './skill';
import { type SkillJson, skillJsonSchema } from './skill-json-schema';
import { isSkillName } from './skill-name';
import type { SkillValidationMode } from './skill-validation-mode';
import { createSkillDiagnostic } from './skills-diagnostic-code';
import { splitFrontmatter } from './split-frontmatter';

/** Options of {@link loadSkill}. */
export interface LoadSkillOptions {
  /** How strictly to check SKILL.md. Default `default`. */
  mode?: SkillValidationMode;
  /** The folder path shown in diagnostics. Default: `dir` as given. */
  displayPath?: string;
  /** Where the skill was found. Default `agent`. */
  source?: SkillSource;
  /**
   * Whether self-improvement may not modify the skill. Default: `true` for `bundled` and `hub`
   * sources and for skills whose `provenance.source` names a hub.
   */
  protected?: boolean;
  /** Files larger than this are refused unread. Default 4 MiB. */
  maxBytes?: number;
  /**
   * The folder the skill's files must really be inside (a group's root, for a runtime that
   * reads skills long after the group was validated). SKILL.md, `karnel.yaml` or a
   * `*.skill.json` that a symbolic link leads out of it is not read: it is the error
   * `file/outside-root` at that file, and the skill does not load. Default: none.
   */
  root?: string;
}

/** The result of {@link loadSkill}. */
export interface LoadSkillResult {
  /** The skill; present only when no diagnostic is an error. */
  readonly skill?: Skill;
  /** Every problem found, positioned at file, line and column. */
  readonly diagnostics: Diagnostic[];
}

/** The file names a Karneleon manifest may have inside a skill folder. */
export function isSkillJsonFileName(fileName: string): boolean {
  return (
    fileName === 'skill.manifest.json' ||
    (fileName.endsWith('.skill.json') && fileName.length > '.skill.json'.length)
  );
}

const entryExtensions: Record<'node' | 'python' | 'wasm', readonly string[]> = {
  node: ['.js', '.mjs', '.cjs'],
  python: ['.py'],
  wasm: ['.wasm'],
};

const NATIVE_OPERATION_PATTERN = /^[a-z][a-z0-9]*([._-][a-z0-9]+)*$/;

/**
 * Reads and validates one skill folder: `SKILL.md`, the optional `karnel.yaml`, and an optional
 * Karneleon `*.skill.json` (which may also stand alone, without SKILL.md).
 *
 * Never throws for the user's mistakes: everything wrong comes back as a diagnostic with file,
 * line and column, and `skill` is present only when there is no error. Execution manifests are
 * checked as far as a loader can: the entry must exist and stay inside the folder (symlinks
 * included), a `wasm` entry must declare its SHA-256 and match it.
 */
export async function loadSkill(
  dir: string,
  options: LoadSkillOptions = {},
): Promise<LoadSkillResult> {
  const {
    mode = 'default',
    displayPath = dir,
    source = 'agent',
    maxBytes = DEFAULT_MAX_YAML_BYTES,
    root,
  } = options;
  const inside = root === undefined ? {} : { root };
  const absoluteDir = resolve(dir);
  const folderName = basename(absoluteDir);
  const diagnostics: Diagnostic[] = [];
  const display = (fileName: string) => join(displayPath, fileName);

  let entries: string[];
  try {
    const info = await stat(absoluteDir);
    if (!info.isDirectory()) {
      return {
        diagnostics: [
          createSkillDiagnostic({
            file: displayPath,
            code: 'skill/not-a-folder',
            message: 'a skill must be a folder',
          }),
        ],
      };
    }
    entries = await readdir(absoluteDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      diagnostics: [
        createSkillDiagnostic({
          file: displayPath,
          code: code === 'ENOENT' ? 'skill/missing-folder' : 'skill/unreadable-folder',
          message:
            code === 'ENOENT'
              ? 'the skill folder does not exist'
              : `cannot read the skill folder (${code})`,
        }),
      ],
    };
  }

  const skillMdName = entries.includes('SKILL.md')
    ? 'SKILL.md'
    : entries.includes('skill.md')
      ? 'skill.md'
      : undefined;
  const jsonNames = entries.filter(isSkillJsonFileName).sort();
  if (jsonNames.length > 1) {
    for (const jsonName of jsonNames) {
      diagnostics.push(
        createSkillDiagnostic({
          file: display(jsonName),
          code: 'skill/multiple-manifests',
          message: `the folder holds ${jsonNames.length} skill manifests (${jsonNames.join(', ')}); keep one`,
        }),
      );
    }
  }
  if (!skillMdName && jsonNames.length === 0) {
    return {
      diagnostics: [
        createSkillDiagnostic({
          file: display('SKILL.md'),
          code: 'skill/missing-skill-md',
          message: 'the folder has no SKILL.md (nor a Karneleon *.skill.json)',
        }),
      ],
    };
  }

  // SKILL.md
  let frontmatter: SkillFrontmatter | undefined;
  let rawFrontmatter: Record<string, unknown> = {};
  let body = '';
  let bodyLine = 1;
  let frontmatterDocument: SourceDocument | undefined;
  if (skillMdName) {
    const file = display(skillMdName);
    if (skillMdName === 'skill.md') {
      diagnostics.push(
        createSkillDiagnostic({
          file,
          severity: 'info',
          code: 'skill/lowercase-file-name',
          message: 'the specification names the file SKILL.md',
        }),
      );
    }
    const text = await readTextFileBounded(join(absoluteDir, skillMdName), file, maxBytes, inside);
    if (typeof text !== 'string') {
      diagnostics.push(text);
    } else {
      const split = splitFrontmatter(text);
      if (!split.ok) {
        diagnostics.push(
          createSkillDiagnostic({
            file,
            line: split.line,
            code: split.code,
            message: split.message,
          }),
        );
      } else {
        body = split.body;
        bodyLine = split.bodyLine;
        frontmatterDocument = parseYaml(split.yaml, file);
        const raw = frontmatterDocument.value;
        if (raw !== null && typeof raw === 'object' && !Array.isArray(raw))
          rawFrontmatter = raw as Record<string, unknown>;
        const validation = validateDocument(
          mode === 'strict' ? strictNamedSkillFrontmatterSchema : skillFrontmatterSchema,
          frontmatterDocument,
        );
        frontmatter = validation.value;
        for (const diagnostic of validation.diagnostics) {
          diagnostics.push(mode === 'strict' ? strictenUnknownField(diagnostic) : diagnostic);
        }
        if (mode === 'strict')
          diagnostics.push(...strictFrontmatterChecks(rawFrontmatter, frontmatterDocument));
        diagnostics.push(
          ...frontmatterChecks(rawFrontmatter, frontmatterDocument, folderName, mode),
        );
        const bodyLines = body.split('\n').length;
        if (bodyLines > 500) {
          diagnostics.push(
            createSkillDiagnostic({
              file,
              line: bodyLine,
              severity: 'info',
              code: 'skill/long-body',
              message: `the instructions are ${bodyLines} lines long; the specification suggests under 500 and moving details to references/`,
            }),
          );
        }
      }
    }
  }

  // karnel.yaml
  let karnel: KarnelSkillFile | undefined;
  let karnelDocument: SourceDocument | undefined;
  if (entries.includes('karnel.yaml')) {
    karnelDocument = await readYamlFile(join(absoluteDir, 'karnel.yaml'), {
      displayPath: display('karnel.yaml'),
      maxBytes,
      ...inside,
    });
    const validation = validateDocument(karnelSkillFileSchema, karnelDocument);
    karnel = validation.value;
    diagnostics.push(...validation.diagnostics);
  } else if (entries.includes('karnel.yml')) {
    diagnostics.push(
      createSkillDiagnostic({
        file: display('karnel.yml'),
        severity: 'warning',
        code: 'skill/karnel-yml',
        message: 'the file is ignored; name it karnel.yaml',
      }),
    );
  }

  // *.skill.json
  let skillJson: SkillJson | undefined;
  let jsonDocument: SourceDocument | undefined;
  if (jsonNames.length === 1) {
    const jsonName = jsonNames[0]!;
    jsonDocument = await readYamlFile(join(absoluteDir, jsonName), {
      displayPath: display(jsonName),
      maxBytes,
      ...inside,
    });
    const validation = validateDocument(skillJsonSchema, jsonDocument);
    skillJson = validation.value;
    diagnostics.push(...validation.diagnostics);
    if (skillJson && isSkillName(skillJson.name) && skillJson.name !== folderName) {
      diagnostics.push(nameMismatch(jsonDocument, skillJson.name, folderName));
    }
  }

  // Execution: from karnel.yaml's execution section or from the *.skill.json, never both.
  let execution: SkillExecution | undefined;
  const name = frontmatter?.name ?? skillJson?.name ?? folderName;
  if (karnel?.execution && karnelDocument && skillJson && jsonDocument) {
    diagnostics.push(
      createSkillDiagnostic({
        file: karnelDocument.file,
        ...karnelDocument.position(['execution'], { key: true }),
        code: 'skill/duplicate-execution',
        message: `both karnel.yaml "execution" and ${jsonDocument.file} describe how the skill runs; keep one`,
      }),
    );
  } else if (karnel?.execution && karnelDocument) {
    execution = await resolveExecution(
      karnel.execution,
      karnelDocument,
      ['execution'],
      absoluteDir,
      name,
      diagnostics,
    );
  } else if (skillJson && jsonDocument) {
    execution = await resolveExecution(skillJson, jsonDocument, [], absoluteDir, name, diagnostics);
  }

  if (hasErrors(diagnostics)) return { diagnostics };

  const format: SkillFormat = skillMdName ? 'skill-md' : 'skill-json';
  const resolvedFrontmatter: SkillFrontmatter =
    frontmatter ??
    ({
      name: skillJson!.name,
      description: skillJson!.description,
      ...(skillJson!.version === undefined ? {} : { version: skillJson!.version }),
    } as SkillFrontmatter);
  if (!skillMdName && skillJson)
    rawFrontmatter = { ...(jsonDocument!.value as Record<string, unknown>) };
  const isProtected =
    options.protected ??
    (source === 'bundled' || source === 'hub' || isHubSource(karnel?.provenance?.source));
  const skill: Skill = {
    name: resolvedFrontmatter.name,
    description: resolvedFrontmatter.description,
    dir: absoluteDir,
    body,
    bodyLine,
    frontmatter: resolvedFrontmatter,
    rawFrontmatter,
    ...(karnel ? { karnel } : {}),
    ...(execution ? { execution } : {}),
    protected: isProtected,
    source,
    format,
    folders: await readFolders(absoluteDir, entries),
  };
  return { skill, diagnostics };
}

function nameMismatch(document: SourceDocument, name: string, folderName: string): Diagnostic {
  return createSkillDiagnostic({
    file: document.file,
    ...document.position(['name']),
    code: 'skill/name-mismatch',
    message: `skill name "${name}" differs from its folder's name "${folderName}"; they must be equal`,
    hint: `rename the folder to "${name}" or set name: ${folderName}`,
  });
}

/** In strict mode an unknown field is outside the specification, hence an error. */
function strictenUnknownField(diagnostic: Diagnostic): Diagnostic {
  if (diagnostic.code !== 'schema/unknown-field') return diagnostic;
  return {
    ...diagnostic,
    severity: 'error',
    code: 'skill/unknown-field',
    message: diagnostic.message.replace(
      /; it is ignored$/,
      '; the Agent Skills specification does not define it',
    ),
  };
}

function strictFrontmatterChecks(
  raw: Record<string, unknown>,
  document: SourceDocument,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const key of Object.keys(raw)) {
    if ((HERMES_FRONTMATTER_FIELDS as readonly string[]).includes(key)) {
      diagnostics.push(
        createSkillDiagnostic({
          file: document.file,
          ...document.position([key], { key: true }),
          code: 'skill/non-spec-field',
          message: `"${key}" is a Hermes Agent field, not part of the Agent Skills specification`,
          hint: 'move it under metadata, or validate in default mode',
        }),
      );
    }
  }
  const metadata = raw.metadata;
  if (metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata)) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') {
        diagnostics.push(
          createSkillDiagnostic({
            file: document.file,
            ...document.position(['metadata', key], { key: true }),
            severity: 'warning',
            code: 'skill/metadata-not-string',
            message: `metadata "${key}" is not text; the specification maps metadata keys to strings`,
          }),
        );
      }
    }
  }
  return diagnostics;
}

function frontmatterChecks(
  raw: Record<string, unknown>,
  document: SourceDocument,
  folderName: string,
  mode: SkillValidationMode,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // An invalid name already has its own error; renaming the folder to it would be bad advice.
  if (typeof raw.name === 'string' && isSkillName(raw.name, mode)) {
    if (raw.name !== folderName) diagnostics.push(nameMismatch(document, raw.name, folderName));
    if (mode === 'default' && !isSkillName(raw.name, 'strict')) {
      diagnostics.push(
        createSkillDiagnostic({
          file: document.file,
          ...document.position(['name']),
          severity: 'warning',
          code: 'skill/name-not-portable',
          message: `skill name "${raw.name}" is valid for Hermes Agent but not for the Agent Skills specification (lowercase letters, digits and single hyphens)`,
          hint: 'other agents may refuse it; `karnel skills validate --strict` checks portability',
        }),
      );
    }
  }
  const platforms = raw.platforms;
  const platformList = typeof platforms === 'string' ? [platforms] : platforms;
  if (Array.isArray(platformList)) {
    platformList.forEach((platform, index) => {
      if (
        typeof platform === 'string' &&
        !(HERMES_PLATFORMS as readonly string[]).includes(platform.toLowerCase().trim())
      ) {
        diagnostics.push(
          createSkillDiagnostic({
            file: document.file,
            ...document.position(
              typeof platforms === 'string' ? ['platforms'] : ['platforms', index],
            ),
            severity: 'warning',
            code: 'skill/unknown-platform',
            message: `platform "${platform}" is not one Hermes Agent knows (${HERMES_PLATFORMS.join(', ')})`,
          }),
        );
      }
    });
  }
  const credentialFiles = raw.required_credential_files;
  if (Array.isArray(credentialFiles)) {
    credentialFiles.forEach((entry, index) => {
      const path =
        typeof entry === 'string'
          ? entry
          : entry !== null && typeof entry === 'object' && typeof entry.path === 'string'
            ? (entry.path as string)
            : undefined;
      if (path === undefined) return;
      const parts = path.split(/[\\/]/);
      if (isAbsolute(path) || /^[a-zA-Z]:/.test(path) || parts.includes('..')) {
        diagnostics.push(
          createSkillDiagnostic({
            file: document.file,
            ...document.position(
              typeof entry === 'string'
                ? ['required_credential_files', index]
                : ['required_credential_files', index, 'path'],
            ),
            severity: 'warning',
            code: 'skill/credential-file-escapes',
            message: `credential file "${path}" is not inside the Hermes home; Hermes refuses to mount it`,
            hint: 'give a path relative to the Hermes home, without ".."',
          }),
        );
      }
    });
  }
  return diagnostics;
}

type ExecutionInput = Pick<
  ExecutionSection,
  'runtime' | 'entry' | 'sha256' | 'capabilities_required' | 'sandbox'
>;

async function resolveExecution(
  section: ExecutionInput,
  document: SourceDocument,
  base: DocumentPath,
  dir: string,
  skillName: string,
  diagnostics: Diagnostic[],
): Promise<SkillExecution | undefined> {
  const at = (path: DocumentPath) => ({
    file: document.file,
    ...document.position([...base, ...path]),
  });
  const before = diagnostics.length;
  const { runtime } = section;
  const entry = section.entry ?? (runtime === 'native' ? skillName : DEFAULT_ENTRIES[runtime]);
  const entryWhere = section.entry === undefined ? at(['runtime']) : at(['entry']);
  const defaulted =
    section.entry === undefined ? ` (the default entry for runtime "${runtime}")` : '';
  let entryAbsolute: string | undefined;

  if (runtime === 'native') {
    if (!NATIVE_OPERATION_PATTERN.test(entry)) {
      diagnostics.push(
        createSkillDiagnostic({
          ...entryWhere,
          code: 'skill/invalid-native-entry',
          message: `"${entry}" is not a native operation name; expected lowercase words joined by ".", "_" or "-"`,
        }),
      );
    }
    if (section.sha256 !== undefined) {
      diagnostics.push(
        createSkillDiagnostic({
          ...at(['sha256']),
          severity: 'warning',
          code: 'skill/sha256-ignored',
          message: 'a native operation has no file to hash; sha256 is ignored',
        }),
      );
    }
  } else {
    const resolved = await resolveInside(dir, entry);
    if (!resolved.ok) {
      diagnostics.push(
        createSkillDiagnostic({
          ...entryWhere,
          code: 'skill/entry-escapes',
          message: `entry ${resolved.message}; it must stay inside the skill folder`,
        }),
      );
    } else if (!resolved.exists) {
      diagnostics.push(
        createSkillDiagnostic({
          ...entryWhere,
          code: 'skill/entry-missing',
          message: `entry "${entry}"${defaulted} does not exist in the skill folder`,
        }),
      );
    } else if (
      !(await stat(resolved.path).then(
        (info) => info.isFile(),
        () => false,
      ))
    ) {
      diagnostics.push(
        createSkillDiagnostic({
          ...entryWhere,
          code: 'skill/entry-not-a-file',
          message: `entry "${entry}" is not a regular file`,
        }),
      );
    } else {
      entryAbsolute = resolved.path;
    }
    const extensions = entryExtensions[runtime];
    if (!extensions.includes(extname(entry).toLowerCase())) {
      diagnostics.push(
        createSkillDiagnostic({
          ...entryWhere,
          code: 'skill/entry-extension',
          message: `entry "${entry}" does not fit runtime "${runtime}"; expected a ${extensions.join(', ')} file`,
        }),
      );
    }
    if (runtime === 'wasm' && section.sha256 === undefined) {
      diagnostics.push(
        createSkillDiagnostic({
          ...at(['runtime']),
          code: 'skill/missing-sha256',
          message:
            'a wasm skill must declare the sha256 of its module, so a swapped module is refused',
          hint: entryAbsolute ? `sha256: ${await hashFile(entryAbsolute)}` : undefined,
        }),
      );
    }
    if (section.sha256 !== undefined && entryAbsolute) {
      const actual = await hashFile(entryAbsolute);
      if (actual !== section.sha256) {
        diagnostics.push(
          createSkillDiagnostic({
            ...at(['sha256']),
            code: 'skill/sha256-mismatch',
            message: `entry "${entry}" has SHA-256 ${actual}, not the declared ${section.sha256}`,
          }),
        );
      }
    }
  }

  const filesystem = section.sandbox?.filesystem;
  for (const access of ['read', 'write'] as const) {
    const paths = filesystem?.[access] ?? [];
    for (let index = 0; index < paths.length; index++) {
      const resolved = await resolveInside(dir, paths[index]!);
      if (!resolved.ok) {
        diagnostics.push(
          createSkillDiagnostic({
            ...at(['sandbox', 'filesystem', access, index]),
            code: 'skill/filesystem-escapes',
            message: `sandbox.filesystem.${access}: ${resolved.message}; paths are relative to the skill folder and must stay inside it`,
          }),
        );
      }
    }
  }

  const capabilities = section.capabilities_required ?? [];
  const network = section.sandbox?.network ?? DEFAULT_SANDBOX.network;
  capabilities.forEach((capability, index) => {
    if (network === 'disabled' && /^net(\.|:|$)/.test(capability)) {
      diagnostics.push(
        createSkillDiagnostic({
          ...at(['capabilities_required', index]),
          severity: 'warning',
          code: 'skill/network-disabled',
          message: `capability "${capability}" needs the network, but sandbox.network is disabled`,
          hint: 'set sandbox.network: enabled',
        }),
      );
    }
  });

  if (hasErrors(diagnostics.slice(before))) return undefined;
  return {
    runtime,
    entry,
    ...(entryAbsolute ? { entryAbsolute } : {}),
    ...(section.sha256 !== undefined && runtime !== 'native' ? { sha256: section.sha256 } : {}),
    capabilities_required: [...capabilities],
    sandbox: {
      network,
      max_memory_mb: section.sandbox?.max_memory_mb ?? DEFAULT_SANDBOX.max_memory_mb,
      timeout_ms: section.sandbox?.timeout_ms ?? DEFAULT_SANDBOX.timeout_ms,
      ...(filesystem
        ? {
            filesystem: {
              ...(filesystem.read ? { read: [...filesystem.read] } : {}),
              ...(filesystem.write ? { write: [...filesystem.write] } : {}),
            },
          }
        : {}),
    },
  };
}

async function readFolders(dir: string, entries: readonly string[]): Promise<SkillFolders> {
  const isFolder = async (name: string) => {
    if (!entries.includes(name)) return false;
    try {
      return (await stat(join(dir, name))).isDirectory();
    } catch {
      return false;
    }
  };
  return {
    scripts: await isFolder('scripts'),
    references: await isFolder('references'),
    assets: await isFolder('assets'),
    templates: await isFolder('templates'),
  };
}
