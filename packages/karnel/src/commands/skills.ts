import { stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import {
  createDiagnostic,
  type Diagnostic,
  type DiagnosticFormat,
  escapeTerminalText,
  explainInvalidId,
  formatDiagnostics,
  hasErrors,
  pathKind,
} from '@karnel/core';
import { resolveComponent } from '@karnel/manifest';
import {
  createSkillLibrary,
  discoverSkills,
  findSkillFolders,
  importSkill,
  isSkillFolder,
  isSkillJsonFileName,
  listOf,
  loadSkill,
  PROVENANCE_SOURCE_PATTERN,
  type Skill,
  SkillFileError,
  SkillNotFoundError,
  type SkillRoot,
  type SkillSource,
  type SkillValidationMode,
} from '@karnel/skills';
import type { Command } from 'commander';
import { ExitCode } from '../exit-codes';
import { type CliContext, parseFormat, printDiagnostics } from '../output';
import { UsageError } from '../usage-error';
import type { RegisterCommand } from './index';

/** Options shared by the subcommands that search an agent's skills with precedence. */
interface LibraryOptions {
  group?: string[];
  user?: string[];
  bundled?: string[];
  strict?: boolean;
  format?: string;
}

/** Registers `karnel skills list|show|validate|import`. */
export const registerSkillsCommand: RegisterCommand = (program, context) => {
  const skills = program
    .command('skills')
    .description(
      'Work with skills (SKILL.md folders, Hermes-compatible, with optional karnel.yaml): list, show, validate and import them.',
    );

  withLibraryOptions(
    skills
      .command('list')
      .description(
        "List the skills an agent can use (name, source, description), with its group's and the user's skills in precedence order. Exits 1 when a skill cannot be loaded.",
      )
      .argument('[dir]', 'an agent directory, a skills folder, or a single skill folder', '.')
      .option('-f, --format <format>', 'output format: text or json', 'text'),
  ).action(async (dir: string, options: LibraryOptions) => {
    const format = parseListFormat(options.format);
    const { skills: found, diagnostics } = await discoverSkills(await rootsFor(dir, options), {
      mode: modeOf(options),
    });
    if (format === 'json') {
      context.output.out(safeJson({ skills: found.map(summarise), diagnostics }));
    } else {
      context.output.out(found.length === 0 ? 'no skills found' : formatTable(found));
      printProblems(context, diagnostics);
    }
    context.setExitCode(hasErrors(diagnostics) ? ExitCode.failure : ExitCode.ok);
  });

  withLibraryOptions(
    skills
      .command('show')
      .description(
        'Show one skill: its metadata, how it runs, its usage and its instructions; or, with --file, one of its files.',
      )
      .argument('<skill>', 'a skill name (searched in [dir]) or the path of a skill folder')
      .argument('[dir]', 'an agent directory or a skills folder to search', '.')
      .option('--file <path>', 'print this file of the skill (relative to its folder) instead')
      .option('-f, --format <format>', 'output format: text or json', 'text'),
  ).action(async (name: string, dir: string, options: LibraryOptions & { file?: string }) => {
    const format = parseListFormat(options.format);
    const skill = await findSkill(context, name, dir, options);
    if (!skill) return;
    const library = createSkillLibrary({
      roots: [{ dir: resolve(skill.dir, '..'), source: skill.source }],
      mode: modeOf(options),
    });
    if (options.file !== undefined) {
      try {
        context.output.out(printableText(await library.readFile(skill.name, options.file)));
      } catch (error) {
        if (!SkillFileError.isInstance(error)) throw error;
        context.output.err(`error: ${escapeTerminalText(error.message)}`);
        context.setExitCode(ExitCode.failure);
      }
      return;
    }
    const activation = await library.activate(skill.name);
    if (format === 'json') {
      context.output.out(safeJson({ ...skill, files: activation.files }));
      return;
    }
    context.output.out(describeSkill(skill, activation.files));
  });

  skills
    .command('validate')
    .description(
      'Validate skills against the Agent Skills format (default mode also accepts Hermes Agent fields; --strict refuses them) and karnel.yaml / *.skill.json. Exits 0 when valid, 1 when any error is found, 2 on a usage error.',
    )
    .argument('<path...>', 'skill folders, skills folders, or agent directories')
    .option('--strict', 'report every field outside the Agent Skills specification as an error')
    .option(
      '-f, --format <format>',
      'output format: text (file:line:column: severity code: message), json, or github (workflow annotations)',
      'text',
    )
    .option('-q, --quiet', 'print errors only, not warnings or notes')
    .addHelpText(
      'after',
      '\nExamples:\n  karnel skills validate my-agent\n  karnel skills validate --strict skills/pdf-form-filler\n',
    )
    .action(
      async (paths: string[], options: { strict?: boolean; format?: string; quiet?: boolean }) => {
        const format = parseFormat(options.format);
        const mode = options.strict ? 'strict' : 'default';
        const diagnostics: Diagnostic[] = [];
        let checked = 0;
        for (const path of paths) {
          const result = await validatePath(path, mode);
          diagnostics.push(...result.diagnostics);
          checked += result.checked;
        }
        const shown = options.quiet
          ? diagnostics.filter((diagnostic) => diagnostic.severity === 'error')
          : diagnostics;
        printSafeDiagnostics(context, shown, format);
        if (format === 'text') context.output.err(validationSummary(diagnostics, checked));
        context.setExitCode(hasErrors(diagnostics) ? ExitCode.failure : ExitCode.ok);
      },
    );

  skills
    .command('import')
    .description(
      "Copy a skill folder into an agent's skills folder and record its provenance in karnel.yaml. Refuses to overwrite an existing skill. Exits 1 when the skill is refused.",
    )
    .argument('<dir>', 'the skill folder to import')
    .option(
      '--agent <dir>',
      "the agent directory, which must exist: the skill goes into its manifest's components.skills, else into its skills/ folder",
      '.',
    )
    .option(
      '--source <source>',
      'provenance source: self-authored, hermeshub:<id> or agentskills:<id> (hub sources are protected)',
    )
    .option('--run <id>', 'the run performing the import (run_<ULID>), recorded as created_by_run')
    .option('-f, --format <format>', 'output format for problems: text, json or github', 'text')
    .addHelpText(
      'after',
      '\nExample:\n  karnel skills import ~/.hermes/skills/devops/k8s-deploy --agent my-agent --source hermeshub:k8s-deploy\n',
    )
    .action(
      async (
        dir: string,
        options: { agent: string; source?: string; run?: string; format?: string },
      ) => {
        const format = parseFormat(options.format);
        if (options.source !== undefined && !PROVENANCE_SOURCE_PATTERN.test(options.source)) {
          throw new UsageError(
            `--source "${escapeTerminalText(options.source)}" must be self-authored, hermeshub:<id> or agentskills:<id>`,
          );
        }
        const runProblem =
          options.run === undefined ? undefined : explainInvalidId(options.run, 'run');
        if (runProblem) throw new UsageError(`--run: ${escapeTerminalText(runProblem)}`);
        const skillsDir = await agentSkillsFolder(options.agent);
        if ('problem' in skillsDir) {
          context.output.err(`error: ${skillsDir.problem}; nothing was imported`);
          context.setExitCode(ExitCode.failure);
          return;
        }
        const result = await importSkill({
          from: dir,
          skillsDir: skillsDir.dir,
          displayPath: dir,
          ...(options.source ? { source: options.source } : {}),
          ...(options.run ? { runId: options.run } : {}),
        });
        printSafeDiagnostics(context, result.diagnostics, format);
        if (!result.skill) {
          if (format === 'text') context.output.err(`not imported: ${escapeTerminalText(dir)}`);
          context.setExitCode(ExitCode.failure);
          return;
        }
        const where = join(skillsDir.display, result.skill.name);
        const provenance = result.skill.karnel?.provenance?.source ?? 'self-authored';
        context.output.err(
          escapeTerminalText(
            `imported ${result.skill.name} into ${where} (${provenance}${result.skill.protected ? ', protected' : ''})`,
          ),
        );
      },
    );
};

function withLibraryOptions(command: Command): Command {
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  return command
    .option(
      '--group <dir>',
      'a group directory or skills folder whose skills the agent may use (repeatable)',
      collect,
    )
    .option(
      '--user <dir>',
      "a user's skills folder, below the group in precedence (repeatable)",
      collect,
    )
    .option(
      '--bundled <dir>',
      'a folder of bundled skills, lowest precedence and protected (repeatable)',
      collect,
    )
    .option('--strict', 'check SKILL.md against the Agent Skills specification only');
}

function modeOf(options: { strict?: boolean }): SkillValidationMode {
  return options.strict ? 'strict' : 'default';
}

function parseListFormat(value: string | undefined): 'text' | 'json' {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new UsageError(`unknown format "${value}"; expected text or json`);
}

/** A skills folder to search and the path to show for it. */
interface SkillsFolder {
  readonly dir: string;
  readonly display: string;
}

/** The skills folder a manifest names in `components.skills` (default `skills/`). */
async function manifestSkillsFolder(dir: string, path: string): Promise<SkillsFolder> {
  const component = await resolveComponent(dir, 'skills', { displayPath: path });
  if (!component.ok)
    throw new UsageError(
      `${escapeTerminalText(path)}: cannot tell where its skills are:\n${escapeTerminalText(formatDiagnostics(component.diagnostics), { multiline: true })}`,
    );
  return { dir: component.path, display: join(path, relative(dir, component.path)) };
}

/**
 * The skills folder of `path` for list, show and validate: for an agent (or group) directory,
 * its manifest's `components.skills` (default `skills/`), or its `skills/` folder when it has no
 * manifest; otherwise `path` itself, taken as a skills folder.
 */
async function skillsFolderOf(path: string): Promise<SkillsFolder> {
  const dir = resolve(path);
  if (
    await stat(join(dir, 'manifest.yaml')).then(
      (info) => info.isFile(),
      () => false,
    )
  )
    return manifestSkillsFolder(dir, path);
  if (!(await isSkillFolder(dir)) && (await pathKind(join(dir, 'skills'))) === 'folder')
    return { dir: join(dir, 'skills'), display: join(path, 'skills') };
  return { dir, display: path };
}

/**
 * The skills folder of the agent directory `path` for import: its manifest's
 * `components.skills`, else its `skills/` folder. The directory must exist and be an agent's (a
 * manifest or a `skills/` folder), so a mistyped path is refused, with the reason, instead of
 * becoming a new agent.
 */
async function agentSkillsFolder(path: string): Promise<SkillsFolder | { problem: string }> {
  const dir = resolve(path);
  const shown = escapeTerminalText(path);
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) {
    const code = (info as NodeJS.ErrnoException).code;
    return {
      problem:
        code === 'ENOENT'
          ? `--agent ${shown}: no such directory; give the agent's directory`
          : `--agent ${shown}: cannot read it (${code})`,
    };
  }
  if (!info.isDirectory())
    return { problem: `--agent ${shown}: not a directory; give the agent's directory` };
  const hasManifest = await stat(join(dir, 'manifest.yaml')).then(
    (manifest) => manifest.isFile(),
    () => false,
  );
  if (hasManifest) return manifestSkillsFolder(dir, path);
  if ((await pathKind(join(dir, 'skills'))) === 'folder')
    return { dir: join(dir, 'skills'), display: join(path, 'skills') };
  return {
    problem: `--agent ${shown}: not an agent directory (no manifest.yaml, no skills/ folder); create ${escapeTerminalText(join(path, 'skills'))} first to import into it`,
  };
}

async function rootsFor(dir: string, options: LibraryOptions): Promise<SkillRoot[]> {
  const roots: SkillRoot[] = [];
  const add = async (path: string, source: SkillSource) => {
    const resolved = resolve(path);
    // A single skill folder is searched through its parent, so precedence still applies.
    if (await isSkillFolder(resolved)) {
      roots.push({ dir: resolve(resolved, '..'), displayPath: join(path, '..'), source });
      return;
    }
    const folder = await skillsFolderOf(path);
    // The path given must exist; a skills folder a manifest names may not exist yet.
    roots.push({
      dir: folder.dir,
      displayPath: folder.display,
      source,
      required: folder.dir === resolved,
    });
  };
  await add(dir, 'agent');
  for (const path of options.group ?? []) await add(path, 'group');
  for (const path of options.user ?? []) await add(path, 'user');
  for (const path of options.bundled ?? []) await add(path, 'bundled');
  return roots;
}

const unsearchedCodes: ReadonlySet<string> = new Set([
  'skill/missing-root',
  'skill/root-not-a-folder',
  'skill/unreadable-folder',
]);

async function findSkill(
  context: CliContext,
  name: string,
  dir: string,
  options: LibraryOptions,
): Promise<Skill | undefined> {
  if (name.includes('/') || name === '.' || (await isSkillFolder(resolve(name)))) {
    const result = await loadSkill(name, { mode: modeOf(options), displayPath: name });
    if (!result.skill) {
      printProblems(context, result.diagnostics);
      context.setExitCode(ExitCode.failure);
    }
    return result.skill;
  }
  const library = createSkillLibrary({
    roots: await rootsFor(dir, options),
    mode: modeOf(options),
  });
  const skill = await library.get(name);
  if (skill) return skill;
  // The skill's own problems, and folders that could not be searched (it may be inside one).
  const broken = (await library.diagnostics()).filter(
    (diagnostic) =>
      diagnostic.file.split(/[\\/]/).includes(name) ||
      (diagnostic.severity === 'error' && unsearchedCodes.has(diagnostic.code)),
  );
  if (broken.length > 0) {
    printProblems(context, broken);
    context.setExitCode(ExitCode.failure);
    return undefined;
  }
  try {
    await library.activate(name);
  } catch (error) {
    if (!SkillNotFoundError.isInstance(error)) throw error;
    context.output.err(`error: ${escapeTerminalText(error.message)}`);
    context.setExitCode(ExitCode.failure);
  }
  return undefined;
}

function printProblems(
  context: CliContext,
  diagnostics: readonly Diagnostic[],
  format: DiagnosticFormat = 'text',
): void {
  const problems = diagnostics.filter((diagnostic) => diagnostic.severity !== 'info');
  if (problems.length === 0) return;
  const buffer: string[] = [];
  printSafeDiagnostics(
    {
      output: {
        out: (text) => buffer.push(text),
        err: (text) => buffer.push(text),
        interactive: false,
      },
    },
    problems,
    format,
  );
  context.output.err(buffer.join('\n'));
}

/**
 * Prints diagnostics with every text a file or an argument supplied (paths, names, messages)
 * escaped for the terminal; JSON keeps the text and escapes what JSON.stringify leaves raw.
 */
function printSafeDiagnostics(
  context: Pick<CliContext, 'output'>,
  diagnostics: readonly Diagnostic[],
  format: DiagnosticFormat,
): void {
  if (format === 'json') {
    context.output.out(safeJson([...diagnostics].sort(byPosition)));
    return;
  }
  printDiagnostics(
    context.output,
    diagnostics.map((diagnostic) => ({
      ...diagnostic,
      file: escapeTerminalText(diagnostic.file),
      code: escapeTerminalText(diagnostic.code),
      message: escapeTerminalText(diagnostic.message),
      ...(diagnostic.hint === undefined ? {} : { hint: escapeTerminalText(diagnostic.hint) }),
    })),
    format,
  );
}

function byPosition(a: Diagnostic, b: Diagnostic): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column;
}

// JSON.stringify escapes C0 controls but leaves DEL, C1 controls, line separators and bidi
// overrides raw; as \u escapes they are the same JSON value and harmless on a terminal.
const rawInJson = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `JSON.stringify(value, null, 2)`, with the characters a terminal acts on written as escapes. */
function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    rawInJson,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Multi-line text from a file, safe to print: line breaks and tabs kept, controls escaped. */
function printableText(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .split('\t')
    .map((part) => escapeTerminalText(part, { multiline: true }))
    .join('\t');
}

function summarise(skill: Skill) {
  return {
    name: skill.name,
    description: skill.description,
    source: skill.source,
    protected: skill.protected,
    dir: skill.dir,
    ...(skill.execution ? { runtime: skill.execution.runtime } : {}),
  };
}

function formatTable(skills: readonly Skill[]): string {
  const rows = skills.map((skill) => [
    escapeTerminalText(skill.name),
    skill.source,
    [skill.execution?.runtime, skill.protected ? 'protected' : undefined]
      .filter(Boolean)
      .join(',') || '-',
    escapeTerminalText(truncate(skill.description.replace(/\s+/g, ' '), 80)),
  ]);
  const header = ['NAME', 'SOURCE', 'FLAGS', 'DESCRIPTION'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

function describeSkill(skill: Skill, files: readonly string[]): string {
  const lines: string[] = [`name: ${skill.name}`, `description: ${skill.description}`];
  lines.push(
    `source: ${skill.source}${skill.protected ? ' (protected)' : ''}`,
    `folder: ${skill.dir}`,
  );
  const frontmatter = skill.frontmatter;
  if (frontmatter.version) lines.push(`version: ${frontmatter.version}`);
  if (frontmatter.author) lines.push(`author: ${listOf(frontmatter.author).join(', ')}`);
  if (frontmatter.license) lines.push(`license: ${frontmatter.license}`);
  if (frontmatter.compatibility) lines.push(`compatibility: ${frontmatter.compatibility}`);
  if (frontmatter.platforms) lines.push(`platforms: ${listOf(frontmatter.platforms).join(', ')}`);
  if (frontmatter.environments)
    lines.push(`environments: ${listOf(frontmatter.environments).join(', ')}`);
  const commands = frontmatter.prerequisites?.commands;
  if (commands) lines.push(`needs commands: ${listOf(commands).join(', ')}`);
  const credentialFiles = frontmatter.required_credential_files ?? [];
  if (credentialFiles.length > 0)
    lines.push(
      `needs credential files: ${credentialFiles.map((file) => (typeof file === 'string' ? file : file.path)).join(', ')}`,
    );
  if (frontmatter.setup?.help) lines.push(`setup: ${frontmatter.setup.help}`);
  const execution = skill.execution;
  if (execution) {
    lines.push(
      `runs: ${execution.runtime} ${execution.entry}, network ${execution.sandbox.network}, ${execution.sandbox.max_memory_mb} MB, ${execution.sandbox.timeout_ms} ms`,
    );
    if (execution.sha256) lines.push(`sha256: ${execution.sha256}`);
    if (execution.capabilities_required.length > 0)
      lines.push(`capabilities: ${execution.capabilities_required.join(', ')}`);
  }
  const provenance = skill.karnel?.provenance;
  if (provenance) {
    lines.push(
      `provenance: ${provenance.source}${provenance.created_at ? ` (${provenance.created_at})` : ''}${provenance.created_by_run ? ` by ${provenance.created_by_run}` : ''}`,
    );
  }
  const usage = skill.karnel?.usage;
  if (usage) {
    const rate =
      usage.success_rate === undefined
        ? ''
        : `, ${(usage.success_rate * 100).toFixed(1)}% successful`;
    lines.push(
      `usage: ${usage.total_invocations} invocations${rate}${usage.last_used_at ? `, last ${usage.last_used_at}` : ''}`,
    );
  }
  if (files.length > 0) lines.push('files:', ...files.map((file) => `  ${file}`));
  const header = lines.map((line) => escapeTerminalText(line)).join('\n');
  const body = skill.body.trim();
  return body.length > 0 ? `${header}\n\n${printableText(body)}` : header;
}

async function validatePath(
  path: string,
  mode: SkillValidationMode,
): Promise<{ diagnostics: Diagnostic[]; checked: number }> {
  const dir = resolve(path);
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) {
    const code = (info as NodeJS.ErrnoException).code;
    return {
      diagnostics: [
        createDiagnostic({
          file: path,
          code: code === 'ENOENT' ? 'skill/missing-root' : 'skill/unreadable-folder',
          message:
            code === 'ENOENT'
              ? 'no such file or folder; nothing was validated'
              : `cannot read it (${code}); nothing was validated`,
        }),
      ],
      checked: 0,
    };
  }
  // A SKILL.md or *.skill.json given by name stands for its skill folder.
  const name = basename(dir);
  if (info.isFile() && (name === 'SKILL.md' || name === 'skill.md' || isSkillJsonFileName(name))) {
    const result = await loadSkill(dirname(dir), { mode, displayPath: dirname(path) });
    return { diagnostics: result.diagnostics, checked: 1 };
  }
  if (await isSkillFolder(dir)) {
    const result = await loadSkill(dir, { mode, displayPath: path });
    return { diagnostics: result.diagnostics, checked: 1 };
  }
  const folder = await skillsFolderOf(path);
  const required = folder.dir === dir;
  const scan = await findSkillFolders(folder.dir, { displayPath: folder.display, required });
  const { diagnostics } = await discoverSkills(
    [{ dir: folder.dir, displayPath: folder.display, source: 'agent', required }],
    { mode },
  );
  if (scan.folders.length === 0 && !hasErrors(diagnostics)) {
    diagnostics.push(
      createDiagnostic({
        file: folder.display,
        severity: 'warning',
        code: 'skill/no-skills',
        message: 'no skill was found here (a skill is a folder holding a SKILL.md)',
      }),
    );
  }
  return { diagnostics, checked: scan.folders.length };
}

function validationSummary(diagnostics: readonly Diagnostic[], checked: number): string {
  const count = (severity: Diagnostic['severity']) =>
    diagnostics.filter((diagnostic) => diagnostic.severity === severity).length;
  const errors = count('error');
  const warnings = count('warning');
  return `${errors === 0 ? 'valid' : 'invalid'}: ${checked} ${checked === 1 ? 'skill' : 'skills'} checked, ${errors} ${errors === 1 ? 'error' : 'errors'}, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}`;
}
