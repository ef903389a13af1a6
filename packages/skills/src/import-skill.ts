import { randomBytes } from 'node:crypto';
import { cp, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  type Clock,
  type Diagnostic,
  explainInvalidId,
  hasErrors,
  InvalidArgumentError,
  syncFolder,
  systemClock,
} from '@karnel/core';
import { PROVENANCE_SOURCE_PATTERN } from './karnel-yaml-schema';
import { loadSkill } from './load-skill';
import type { Skill } from './skill';
import { createSkillDiagnostic } from './skills-diagnostic-code';
import { updateKarnelYaml } from './update-karnel-yaml';

/** Options of {@link importSkill}. */
export interface ImportSkillOptions {
  /** The skill folder to copy. */
  from: string;
  /** The agent's (or group's) `skills/` folder to copy it into. */
  skillsDir: string;
  /**
   * `provenance.source` to record: `self-authored`, `hermeshub:<id>` or `agentskills:<id>`.
   * Default: the source the skill's own `karnel.yaml` records, else `self-authored`. Hub sources
   * make the imported skill protected.
   */
  source?: string;
  /** The run performing the import, recorded as `provenance.created_by_run`. */
  runId?: string;
  /** Where `provenance.created_at` comes from. Default: the system clock. */
  clock?: Clock;
  /** The path of `from` shown in diagnostics. Default: `from` as given. */
  displayPath?: string;
}

/** The result of {@link importSkill}. */
export interface ImportSkillResult {
  /** The imported skill, loaded from its new place; absent when the import was refused. */
  readonly skill?: Skill;
  /** Why the import was refused, or warnings about the skill. */
  readonly diagnostics: Diagnostic[];
}

/**
 * Copies a skill folder into a `skills/` folder and records where it came from in its
 * `karnel.yaml` (`provenance`). Refuses — with a diagnostic, never by overwriting — when a skill
 * of that name is already there, when the skill does not validate, and when the folder holds
 * symlinks (they could point anywhere on the machine that copied them).
 *
 * The copy is made in a hidden temporary folder beside the destination and renamed into place,
 * so an interrupted import leaves no half-copied skill. `usage` and `attribution` are dropped:
 * they describe another agent's ledger.
 *
 * The skills folder is created when missing, but never its parent: importing into a mistyped
 * agent path is refused (`skill/missing-root`) rather than creating a new agent.
 *
 * Throws `InvalidArgumentError` for a malformed `source` or `runId`.
 */
export async function importSkill(options: ImportSkillOptions): Promise<ImportSkillResult> {
  const { from, skillsDir, runId, clock = systemClock, displayPath = from } = options;
  if (options.source !== undefined && !PROVENANCE_SOURCE_PATTERN.test(options.source)) {
    throw new InvalidArgumentError({
      argument: 'source',
      value: options.source,
      message: 'expected "self-authored", "hermeshub:<id>" or "agentskills:<id>"',
    });
  }
  const runProblem = runId === undefined ? undefined : explainInvalidId(runId, 'run');
  if (runProblem)
    throw new InvalidArgumentError({ argument: 'runId', value: runId, message: runProblem });
  const loaded = await loadSkill(from, { displayPath });
  if (!loaded.skill) return { diagnostics: loaded.diagnostics };
  const skill = loaded.skill;
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];

  const symlink = await findSymlink(skill.dir);
  if (symlink) {
    diagnostics.push(
      createSkillDiagnostic({
        file: join(displayPath, symlink),
        code: 'skill/import-symlink',
        message: 'the skill holds a symlink; copy the file it points to instead',
      }),
    );
    return { diagnostics };
  }

  const destination = join(resolve(skillsDir), skill.name);
  // lstat, not stat: a dangling symlink of that name is taken too.
  const taken = await lstat(destination).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
  if (taken) {
    diagnostics.push(
      createSkillDiagnostic({
        file: join(skillsDir, skill.name),
        code: 'skill/already-exists',
        message: `a skill named "${skill.name}" already exists there; remove or rename it first`,
      }),
    );
    return { diagnostics };
  }

  // Only the skills folder itself is created: a mistyped path must not become a new agent.
  try {
    await mkdir(resolve(skillsDir));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      diagnostics.push(
        createSkillDiagnostic({
          file: skillsDir,
          code: 'skill/missing-root',
          message: `the folder that should hold the skills folder (${dirname(skillsDir)}) does not exist`,
        }),
      );
      return { diagnostics };
    }
    if (code !== 'EEXIST') throw error;
  }
  const temporary = join(
    resolve(skillsDir),
    `.import-${skill.name}-${randomBytes(6).toString('hex')}`,
  );
  try {
    await cp(skill.dir, temporary, {
      recursive: true,
      errorOnExist: true,
      force: false,
      verbatimSymlinks: true,
    });
    await rm(join(temporary, '.karnel.yaml.lock'), { force: true });
    const source = options.source ?? skill.karnel?.provenance?.source ?? 'self-authored';
    await updateKarnelYaml(temporary, (document) => {
      document.delete('usage');
      document.delete('attribution');
      document.set(
        'provenance',
        document.createNode({
          source,
          created_at: clock.now().toISOString(),
          ...(runId ? { created_by_run: runId } : {}),
        }),
      );
      return true;
    });
    // rename() refuses to replace a non-empty folder, so a skill that appeared meanwhile is kept.
    await rename(temporary, destination);
    await syncFolder(resolve(skillsDir));
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      diagnostics.push(
        createSkillDiagnostic({
          file: join(skillsDir, skill.name),
          code: 'skill/already-exists',
          message: `a skill named "${skill.name}" appeared there during the import`,
        }),
      );
      return { diagnostics };
    }
    throw error;
  }

  const imported = await loadSkill(destination, { displayPath: join(skillsDir, skill.name) });
  // Both the source and the arguments were checked, so this is a last guard, not an expected path.
  if (hasErrors(imported.diagnostics)) {
    await rm(destination, { recursive: true, force: true });
    return {
      diagnostics: [
        ...diagnostics,
        ...imported.diagnostics.filter((diagnostic) => diagnostic.severity === 'error'),
      ],
    };
  }
  return { skill: imported.skill!, diagnostics };
}

async function findSymlink(dir: string, prefix = ''): Promise<string | undefined> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relativePath = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isSymbolicLink()) return relativePath;
    if (entry.isDirectory()) {
      const found = await findSymlink(join(dir, entry.name), relativePath);
      if (found) return found;
    }
  }
  return undefined;
}
