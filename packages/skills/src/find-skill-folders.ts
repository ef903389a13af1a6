import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Diagnostic } from '@karnel/core';
import { isSkillJsonFileName } from './load-skill';
import { createSkillDiagnostic } from './skills-diagnostic-code';

/** How many folders below the root are searched by default (Hermes' own skills go three deep). */
export const DEFAULT_MAX_SKILL_DEPTH = 8;

/** How many folders one search reads by default before it stops, with a warning. */
export const DEFAULT_MAX_SKILL_FOLDERS = 10_000;

/**
 * Folder names never searched for skills, as Hermes Agent excludes them: dependency, virtualenv
 * and cache folders. Folders whose name starts with `.` (`.git`, `.archive`, `.hub`) are not
 * searched either.
 */
export const EXCLUDED_SKILL_FOLDER_NAMES = [
  'node_modules',
  'venv',
  'site-packages',
  '__pycache__',
] as const;

/**
 * A skill's resource folders. Inside a skill they hold the skill's own files, never other
 * skills (a `references/old-skill/SKILL.md` is documentation), so they are not searched.
 */
export const SKILL_RESOURCE_FOLDER_NAMES = [
  'scripts',
  'references',
  'assets',
  'templates',
] as const;

/** Options of {@link findSkillFolders}. */
export interface FindSkillFoldersOptions {
  /** The root's path shown in diagnostics. Default: the root as given. */
  displayPath?: string;
  /** Deepest folder searched, counted from the root (its children are depth 1). Default 8. */
  maxDepth?: number;
  /** Most folders read before the search stops. Default 10,000. */
  maxFolders?: number;
  /** Whether a missing root is an error (`skill/missing-root`). Default `false`: it holds no skills. */
  required?: boolean;
}

/** One skill folder {@link findSkillFolders} found. */
export interface FoundSkillFolder {
  /** The folder's real path (symlinks resolved; always inside the root's real path). */
  readonly dir: string;
  /** The folder as reached from the root, for messages: `<displayPath>/<category>/<skill>`. */
  readonly displayPath: string;
}

/** The result of {@link findSkillFolders}. */
export interface SkillFolderScan {
  /** The skill folders, in path order. */
  readonly folders: FoundSkillFolder[];
  /**
   * What could not be searched, and why: unreadable folders (errors), folders past the depth or
   * count limit and symlinks leading out of the root (warnings), symlinks leading to a folder
   * already searched (notes). Nothing is skipped without one of these.
   */
  readonly diagnostics: Diagnostic[];
}

const excluded: ReadonlySet<string> = new Set(EXCLUDED_SKILL_FOLDER_NAMES);
const resources: ReadonlySet<string> = new Set(SKILL_RESOURCE_FOLDER_NAMES);

/**
 * Finds the skill folders under `root` at every depth, as Hermes Agent does: any folder holding
 * a `SKILL.md` (or `skill.md`, or a Karneleon `*.skill.json`) is a skill, and any other folder is
 * a category searched further (`mlops/inference/vllm`). Inside a skill, folders other than its
 * resource folders are searched too, for skills nested in skills.
 *
 * The search is bounded (`maxDepth`, `maxFolders`), follows a symlink only when it stays inside
 * the root (by real path), and searches every real folder once, so symlink loops end. Every folder
 * it cannot read or chooses not to enter is reported in `diagnostics`, with its path.
 */
export async function findSkillFolders(
  root: string,
  options: FindSkillFoldersOptions = {},
): Promise<SkillFolderScan> {
  const {
    displayPath = root,
    maxDepth = DEFAULT_MAX_SKILL_DEPTH,
    maxFolders = DEFAULT_MAX_SKILL_FOLDERS,
    required = false,
  } = options;
  const folders: FoundSkillFolder[] = [];
  const diagnostics: Diagnostic[] = [];
  let rootReal: string;
  try {
    rootReal = await realpath(resolve(root));
    if (!(await stat(rootReal)).isDirectory()) {
      diagnostics.push(
        createSkillDiagnostic({
          file: displayPath,
          code: 'skill/root-not-a-folder',
          message: 'expected a folder of skills, found a file',
        }),
      );
      return { folders, diagnostics };
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (required) {
        diagnostics.push(
          createSkillDiagnostic({
            file: displayPath,
            code: 'skill/missing-root',
            message: 'the skills folder does not exist',
          }),
        );
      }
    } else {
      diagnostics.push(unreadable(displayPath, code));
    }
    return { folders, diagnostics };
  }

  const searched = new Map<string, string>([[rootReal, displayPath]]);
  let read = 0;
  const visit = async (dir: string, shown: string, depth: number): Promise<void> => {
    if (read >= maxFolders) {
      if (read === maxFolders) {
        read++;
        diagnostics.push(
          createSkillDiagnostic({
            file: displayPath,
            severity: 'warning',
            code: 'skill/too-many-folders',
            message: `the search stopped after reading ${maxFolders} folders; ${shown} and the folders after it were not searched`,
            hint: 'remove unrelated folders from the skills folder, or raise maxFolders',
          }),
        );
      }
      return;
    }
    read++;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      diagnostics.push(unreadable(shown, (error as NodeJS.ErrnoException).code));
      return;
    }
    const isSkill = depth > 0 && entries.some(({ name }) => isSkillFileName(name));
    if (isSkill) folders.push({ dir, displayPath: shown });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const { name } = entry;
      if (name.startsWith('.') || excluded.has(name) || (isSkill && resources.has(name))) continue;
      const childShown = join(shown, name);
      let child = join(dir, name);
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(child);
        } catch {
          diagnostics.push(
            createSkillDiagnostic({
              file: childShown,
              severity: 'warning',
              code: 'skill/dangling-symlink',
              message: 'the symlink points to nothing; it is not searched',
            }),
          );
          continue;
        }
        if (target !== rootReal && !target.startsWith(`${rootReal}${sep}`)) {
          diagnostics.push(
            createSkillDiagnostic({
              file: childShown,
              severity: 'warning',
              code: 'skill/symlink-outside',
              message: `the symlink leads out of the skills folder (to ${target}); it is not followed`,
              hint: 'copy the skill into the skills folder, or add its folder as another root',
            }),
          );
          continue;
        }
        const isFolder = await stat(target).then(
          (info) => info.isDirectory(),
          () => false,
        );
        if (!isFolder) continue;
        child = target;
      } else if (!entry.isDirectory()) {
        continue;
      }
      const seenAs = searched.get(child);
      if (seenAs !== undefined) {
        const loop = shown === seenAs || shown.startsWith(`${seenAs}${sep}`);
        diagnostics.push(
          createSkillDiagnostic({
            file: childShown,
            severity: 'info',
            code: 'skill/symlink-loop',
            message: loop
              ? `the symlink leads back to ${seenAs}, which contains it; it is not searched again`
              : `this folder was already searched as ${seenAs}; it is not searched twice`,
          }),
        );
        continue;
      }
      if (depth + 1 > maxDepth) {
        diagnostics.push(
          createSkillDiagnostic({
            file: childShown,
            severity: isSkill ? 'info' : 'warning',
            code: 'skill/too-deep',
            message: `the folder is ${depth + 1} levels below the skills folder; folders deeper than ${maxDepth} are not searched`,
            hint: 'move its skills nearer the top, or raise maxDepth',
          }),
        );
        continue;
      }
      searched.set(child, childShown);
      await visit(child, childShown, depth + 1);
    }
  };
  await visit(rootReal, displayPath, 0);
  return { folders, diagnostics };
}

function isSkillFileName(name: string): boolean {
  return name === 'SKILL.md' || name === 'skill.md' || isSkillJsonFileName(name);
}

function unreadable(file: string, code: string | undefined): Diagnostic {
  return createSkillDiagnostic({
    file,
    code: 'skill/unreadable-folder',
    message: `cannot read the folder (${code ?? 'unknown error'}); any skills inside it are not loaded`,
  });
}
