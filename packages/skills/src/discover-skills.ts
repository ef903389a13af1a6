import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { createDiagnostic, type Diagnostic } from '@karnel/core';
import { isSkillJsonFileName, loadSkill, type SkillValidationMode } from './load-skill';
import { SKILL_SOURCES, type Skill, type SkillSource } from './skill';

/** A folder of skills and where it stands in precedence. */
export interface SkillRoot {
  /** The folder holding skill folders (an agent's `skills/`, a group's, a user's …). */
  readonly dir: string;
  /** What the folder is; decides precedence (agent over group over user over hub over bundled). */
  readonly source: SkillSource;
  /** Whether its skills are protected from modification. Default: `true` for `bundled` and `hub`. */
  readonly protected?: boolean;
  /** The folder path shown in diagnostics. Default: `dir` as given. */
  readonly displayPath?: string;
}

/** Options of {@link discoverSkills}. */
export interface DiscoverSkillsOptions {
  /** How strictly to check each SKILL.md. Default `default`. */
  mode?: SkillValidationMode;
}

/** The result of {@link discoverSkills}. */
export interface DiscoveredSkills {
  /** The skills that won, one per name, sorted by name. */
  readonly skills: Skill[];
  /** Skills that lost to a skill of the same name with higher precedence. */
  readonly shadowed: Skill[];
  /** Problems of skills that failed to load, plus an info for each shadowed skill. */
  readonly diagnostics: Diagnostic[];
}

/**
 * Finds every skill under the roots. A child folder holding a SKILL.md or a `*.skill.json` is a
 * skill; any other child folder is taken as a category (Hermes keeps `skills/<category>/<skill>`)
 * and searched one level deeper. Folders starting with `.` are skipped (`.archive`, `.git`).
 *
 * When two roots hold a skill of the same name, the one with higher precedence wins (agent,
 * group, user, hub, bundled; among equal sources, the root listed first) and the other is
 * reported as an info diagnostic `skill/shadowed`. Two skills of the same name in one root are a
 * warning (`skill/duplicate-name`): the first in path order wins. A root that does not exist
 * holds no skills and is not an error.
 */
export async function discoverSkills(
  roots: readonly SkillRoot[],
  { mode = 'default' }: DiscoverSkillsOptions = {},
): Promise<DiscoveredSkills> {
  const ordered = roots
    .map((root, index) => ({ root, index }))
    .sort(
      (a, b) =>
        SKILL_SOURCES.indexOf(a.root.source) - SKILL_SOURCES.indexOf(b.root.source) ||
        a.index - b.index,
    );
  const diagnostics: Diagnostic[] = [];
  const winners = new Map<string, { skill: Skill; root: SkillRoot }>();
  const shadowed: Skill[] = [];
  for (const { root } of ordered) {
    const rootDisplay = root.displayPath ?? root.dir;
    const folders = await listSkillFolders(resolve(root.dir));
    for (const folder of folders) {
      const displayPath = join(rootDisplay, relative(resolve(root.dir), folder));
      const result = await loadSkill(folder, {
        mode,
        displayPath,
        source: root.source,
        ...(root.protected === undefined ? {} : { protected: root.protected }),
      });
      diagnostics.push(...result.diagnostics);
      const skill = result.skill;
      if (!skill) continue;
      const winner = winners.get(skill.name);
      if (!winner) {
        winners.set(skill.name, { skill, root });
        continue;
      }
      shadowed.push(skill);
      const sameRoot = winner.root === root;
      diagnostics.push(
        createDiagnostic({
          file: join(displayPath, skill.format === 'skill-md' ? 'SKILL.md' : ''),
          severity: sameRoot ? 'warning' : 'info',
          code: sameRoot ? 'skill/duplicate-name' : 'skill/shadowed',
          message: sameRoot
            ? `a second skill named "${skill.name}" in the same folder; ${winner.skill.dir} is used`
            : `skill "${skill.name}" (${root.source}) is shadowed by the ${winner.skill.source} skill at ${winner.skill.dir}`,
        }),
      );
    }
  }
  const skills = [...winners.values()]
    .map(({ skill }) => skill)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { skills, shadowed, diagnostics };
}

async function listFolders(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const folders: string[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    try {
      if ((await stat(join(dir, name))).isDirectory()) folders.push(join(dir, name));
    } catch {
      // A dangling symlink or a folder removed meanwhile is simply not a skill.
    }
  }
  return folders;
}

/** Whether `dir` holds a SKILL.md (or `skill.md`) or a Karneleon `*.skill.json`. */
export async function isSkillFolder(dir: string): Promise<boolean> {
  try {
    const names = await readdir(dir);
    return (
      names.includes('SKILL.md') || names.includes('skill.md') || names.some(isSkillJsonFileName)
    );
  } catch {
    return false;
  }
}

/**
 * The skill folders under `root`, as {@link discoverSkills} finds them: children holding a
 * SKILL.md or a `*.skill.json`, and such folders one level down inside category folders. Sorted
 * by path; a missing root holds none.
 */
export async function listSkillFolders(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const folder of await listFolders(root)) {
    if (await isSkillFolder(folder)) {
      found.push(folder);
      continue;
    }
    for (const child of await listFolders(folder)) {
      if (await isSkillFolder(child)) found.push(child);
    }
  }
  return found;
}
