import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '@karnel/core';
import { findSkillFolders } from './find-skill-folders';
import { isSkillJsonFileName, type LoadSkillResult, loadSkill } from './load-skill';
import { SKILL_SOURCES, type Skill, type SkillSource } from './skill';
import type { SkillValidationMode } from './skill-validation-mode';
import { createSkillDiagnostic } from './skills-diagnostic-code';

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
  /**
   * Whether the folder must exist. Default `false`: a missing root (a user who has no skills
   * folder) holds no skills. When `true`, a missing root is an error `skill/missing-root`.
   */
  readonly required?: boolean;
  /**
   * The folder every skill file under `dir` must really be inside (the group's root): a skill
   * whose SKILL.md (or `karnel.yaml`, `*.skill.json`) a symbolic link leads out of it does not
   * load, with the error `file/outside-root`. Default: none.
   */
  readonly root?: string;
}

/** Options of {@link discoverSkills}. */
export interface DiscoverSkillsOptions {
  /** How strictly to check each SKILL.md. Default `default`. */
  mode?: SkillValidationMode;
  /** Deepest folder searched below each root. Default 8 (see `findSkillFolders`). */
  maxDepth?: number;
  /** Most folders read per root. Default 10,000 (see `findSkillFolders`). */
  maxFolders?: number;
}

/** The result of {@link discoverSkills}. */
export interface DiscoveredSkills {
  /** The skills that won, one per name, sorted by name. */
  readonly skills: Skill[];
  /** Skills that lost to a skill of the same name with higher precedence. */
  readonly shadowed: Skill[];
  /**
   * Problems of skills that failed to load; folders that could not be read (errors) or were not
   * searched (warnings, with the reason); an info for each shadowed skill.
   */
  readonly diagnostics: Diagnostic[];
}

/** How many skills are read at once; reading is I/O-bound, so a few overlap well. */
const LOAD_CONCURRENCY = 8;

/**
 * Finds every skill under the roots, at every depth (see `findSkillFolders`: a folder holding a
 * SKILL.md or a `*.skill.json` is a skill, any other folder a category, as in Hermes'
 * `skills/<category>/<sub-category>/<skill>`), and loads each.
 *
 * When two roots hold a skill of the same name, the one with higher precedence wins (agent,
 * group, user, hub, bundled; among equal sources, the root listed first) and the other is
 * reported as an info diagnostic `skill/shadowed`. Two skills of the same name in one root are a
 * warning (`skill/duplicate-name`): the first in path order wins. A folder that cannot be read is
 * an error naming it (`skill/unreadable-folder`); a root that does not exist holds no skills
 * unless it is `required`.
 */
export async function discoverSkills(
  roots: readonly SkillRoot[],
  { mode = 'default', maxDepth, maxFolders }: DiscoverSkillsOptions = {},
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
    const scan = await findSkillFolders(root.dir, {
      displayPath: root.displayPath ?? root.dir,
      ...(root.required === undefined ? {} : { required: root.required }),
      ...(maxDepth === undefined ? {} : { maxDepth }),
      ...(maxFolders === undefined ? {} : { maxFolders }),
    });
    diagnostics.push(...scan.diagnostics);
    const results: LoadSkillResult[] = new Array(scan.folders.length);
    let next = 0;
    const worker = async () => {
      while (next < scan.folders.length) {
        const index = next++;
        const folder = scan.folders[index]!;
        results[index] = await loadSkill(folder.dir, {
          mode,
          displayPath: folder.displayPath,
          source: root.source,
          ...(root.protected === undefined ? {} : { protected: root.protected }),
          ...(root.root === undefined ? {} : { root: root.root }),
        });
      }
    };
    await Promise.all(Array.from({ length: LOAD_CONCURRENCY }, worker));
    results.forEach((result, index) => {
      const displayPath = scan.folders[index]!.displayPath;
      diagnostics.push(...result.diagnostics);
      const skill = result.skill;
      if (!skill) return;
      const winner = winners.get(skill.name);
      if (!winner) {
        winners.set(skill.name, { skill, root });
        return;
      }
      shadowed.push(skill);
      const sameRoot = winner.root === root;
      diagnostics.push(
        createSkillDiagnostic({
          file: join(displayPath, skill.format === 'skill-md' ? 'SKILL.md' : ''),
          severity: sameRoot ? 'warning' : 'info',
          code: sameRoot ? 'skill/duplicate-name' : 'skill/shadowed',
          message: sameRoot
            ? `a second skill named "${skill.name}" in the same folder; ${winner.skill.dir} is used`
            : `skill "${skill.name}" (${root.source}) is shadowed by the ${winner.skill.source} skill at ${winner.skill.dir}`,
        }),
      );
    });
  }
  const skills = [...winners.values()]
    .map(({ skill }) => skill)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { skills, shadowed, diagnostics };
}

/**
 * Whether `dir` holds a SKILL.md (or `skill.md`) or a Karneleon `*.skill.json`. A folder that
 * cannot be read answers `false`; `loadSkill` and `findSkillFolders` report why.
 */
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
